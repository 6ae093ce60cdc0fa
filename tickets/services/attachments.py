"""Attachments: limits from settings, stored so that a failed change leaves no file behind.

Limits (README "Configuration"): per file (`ATTACHMENT_MAX_BYTES`), per request
(`ATTACHMENT_MAX_FILES`, `ATTACHMENT_MAX_REQUEST_BYTES`), per ticket
(`ATTACHMENT_MAX_TICKET_BYTES`) and per tenant (`ATTACHMENT_TENANT_QUOTA_BYTES`). A refused
upload is a field error on `attachments` (400), never a 500.

Storage: files are written inside the transaction that records them, so a storage failure
(a full disk) fails the whole change before anything is committed; the view re-renders the form
with what the user typed and answers 507. Files written before a failure are deleted at once;
files of a change that rolls back later are deleted by `attachments_cleanup_on_failure` around
the service call (views use it). A process killed mid-request can still leave an orphan file
(never a row without its file): `attachments_sweep_orphans_cross_tenant` deletes those a day
later.

Names on disk are `<uuid><.ext>`: independent of the uploaded name's length and characters
(130 CJK characters are 390 bytes, over the file system's 255). The uploaded name is kept in
`Attachment.filename` for display and as the download's name.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import mimetypes
import re
import unicodedata
import uuid
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from datetime import datetime, timedelta
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import Storage
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q, Sum
from django.utils import timezone

from tenants.models import Membership, Tenant

from ..models import Attachment, Message, Ticket

logger = logging.getLogger(__name__)

_EXTENSION = re.compile(r"\.[a-z0-9]{1,10}")
_INVISIBLE = {"Cc", "Cf", "Zl", "Zp"}
# Storage names written in the current attachments_cleanup_on_failure scope.
_written: ContextVar[list[str] | None] = ContextVar("attachments_written", default=None)


class AttachmentStorageError(Exception):
    """The storage refused a file (disk full, quota, I/O error): nothing was recorded."""

    def __init__(self, message: str, *, disk_full: bool) -> None:
        super().__init__(message)
        self.disk_full = disk_full


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


def attachment_limits_text() -> str:
    """The limits, as shown in the forms' help text."""
    return (
        f"Up to {settings.ATTACHMENT_MAX_FILES} files, {_mb(settings.ATTACHMENT_MAX_BYTES)} "
        f"each and {_mb(settings.ATTACHMENT_MAX_REQUEST_BYTES)} together; "
        f"{_mb(settings.ATTACHMENT_MAX_TICKET_BYTES)} per ticket."
    )


def attachment_content_type(upload: UploadedFile) -> str:
    declared = (getattr(upload, "content_type", "") or "").split(";")[0].strip().lower()
    if declared and declared in settings.ATTACHMENT_ALLOWED_TYPES:
        return declared
    guessed, _ = mimetypes.guess_type(upload.name or "")
    return (guessed or declared or "application/octet-stream").lower()


def attachments_validate(uploads: Sequence[UploadedFile]) -> list[str]:
    """The problems with these uploads on their own (per file and per request), one message
    each; empty when all are fine. Limits that need the database are in attachments_add."""
    errors = []
    limit = settings.ATTACHMENT_MAX_BYTES
    for upload in uploads:
        if upload.size is not None and upload.size > limit:
            errors.append(
                f"{upload.name}: {upload.size:,} bytes is over the limit of {limit:,} bytes."
            )
        if attachment_content_type(upload) not in settings.ATTACHMENT_ALLOWED_TYPES:
            errors.append(f"{upload.name}: this type of file is not accepted.")
    if len(uploads) > settings.ATTACHMENT_MAX_FILES:
        errors.append(f"At most {settings.ATTACHMENT_MAX_FILES} files at a time.")
    total = sum(upload.size or 0 for upload in uploads)
    if total > settings.ATTACHMENT_MAX_REQUEST_BYTES:
        errors.append(
            f"These files add up to {_mb(total)}: at most "
            f"{_mb(settings.ATTACHMENT_MAX_REQUEST_BYTES)} at a time."
        )
    return errors


def _used(*, tenant: Tenant, ticket: Ticket | None) -> tuple[int, int]:
    """Bytes of attachments the tenant stores, and those on `ticket` (0 for a new one): one
    query."""
    on_ticket = Q(ticket=ticket) if ticket is not None and ticket.pk else Q(pk__in=[])
    used = Attachment.objects.for_tenant(tenant).aggregate(
        tenant=Sum("size"), ticket=Sum("size", filter=on_ticket)
    )
    return used["tenant"] or 0, used["ticket"] or 0


def _check_room(*, tenant: Tenant, ticket: Ticket, adding: int) -> list[str]:
    """Per ticket and per tenant totals. The tenant quota is soft: two uploads racing may both
    pass and overshoot it by one request (at most ATTACHMENT_MAX_REQUEST_BYTES)."""
    errors = []
    used, on_ticket = _used(tenant=tenant, ticket=ticket)
    if ticket.pk and on_ticket + adding > settings.ATTACHMENT_MAX_TICKET_BYTES:
        errors.append(
            f"This ticket already has {_mb(on_ticket)} of attachments: at most "
            f"{_mb(settings.ATTACHMENT_MAX_TICKET_BYTES)} per ticket."
        )
    if used + adding > settings.ATTACHMENT_TENANT_QUOTA_BYTES:
        errors.append(
            "The attachment storage of this helpdesk is full "
            f"({_mb(settings.ATTACHMENT_TENANT_QUOTA_BYTES)}); send the text without files, "
            "or ask the support team."
        )
    return errors


def attachments_that_fit(
    *, tenant: Tenant, ticket: Ticket | None, uploads: Sequence[UploadedFile]
) -> tuple[list[UploadedFile], list[str]]:
    """The uploads that fit every limit together, in order, and the names of the rest: for
    mail, which cannot be sent back to be fixed (a phone's twelve photos must not cost the
    message). Per file (type, size), per request (count, total) and the room left on the
    ticket (None: a new one) and in the tenant's storage: a file that does not fit is
    skipped, and later smaller ones may still fit."""
    if not uploads:
        return [], []
    used, on_ticket = _used(tenant=tenant, ticket=ticket)
    room = min(
        settings.ATTACHMENT_TENANT_QUOTA_BYTES - used,
        settings.ATTACHMENT_MAX_TICKET_BYTES - on_ticket,
        settings.ATTACHMENT_MAX_REQUEST_BYTES,
    )
    kept: list[UploadedFile] = []
    dropped: list[str] = []
    for upload in uploads:
        size = upload.size or 0
        if (attachments_validate([upload]) or len(kept) >= settings.ATTACHMENT_MAX_FILES
                or size > room):  # fmt: skip
            dropped.append(upload.name or "(unnamed)")
            continue
        kept.append(upload)
        room -= size
    return kept, dropped


def storage_name(original: str) -> str:
    """`<uuid><.ext>`: unguessable, never colliding, short, and ASCII whatever was uploaded."""
    suffix = PurePath(original).suffix.lower()
    extension = suffix if _EXTENSION.fullmatch(suffix) else ""
    return f"{uuid.uuid4().hex}{extension}"


def attachments_add(
    *,
    tenant: Tenant,
    ticket: Ticket,
    uploads: Sequence[UploadedFile],
    uploaded_by: Membership | None,
    at: datetime,
    message: Message | None = None,
) -> list[Attachment]:
    """Store and record `uploads`; call inside the service's transaction.

    Raises ValidationError (field `attachments`) for a refused upload and
    AttachmentStorageError when the storage fails; either way no file is left behind.
    """
    errors = attachments_validate(uploads) or _check_room(
        tenant=tenant, ticket=ticket, adding=sum(upload.size or 0 for upload in uploads)
    )
    if errors:
        raise ValidationError({"attachments": errors})
    created: list[Attachment] = []
    try:
        for upload in uploads:
            created.append(_store(tenant, ticket, upload, uploaded_by, at, message))
    except OSError as error:
        _delete_files(created[0].file.storage if created else None, [a.file.name for a in created])
        disk_full = error.errno in (errno.ENOSPC, errno.EDQUOT)
        logger.error("attachment storage failed (%s): nothing recorded", error)
        raise AttachmentStorageError(
            "The attachment storage is full: your text was not sent yet. Send it again without "
            "the files, or try later."
            if disk_full
            else "The attachments could not be stored: your text was not sent yet. Try again.",
            disk_full=disk_full,
        ) from error
    return created


def attachment_display_name(name: str) -> str:
    """An uploaded name as it may be shown and offered for download: its last path part,
    NFC, without control and invisible format characters (Unicode Cc, Cf, Zl, Zp: NUL, tabs,
    zero-width spaces, and the direction overrides and isolates: "invoice", U+202E, "fdp.exe"
    reads as "invoiceexe.pdf"). Never empty."""
    name = unicodedata.normalize("NFC", name or "")
    name = "".join(c for c in name if unicodedata.category(c) not in _INVISIBLE)
    return PurePath(name.replace("\\", "/")).name.strip() or "file"


def _store(
    tenant: Tenant,
    ticket: Ticket,
    upload: UploadedFile,
    uploaded_by: Membership | None,
    at: datetime,
    message: Message | None,
) -> Attachment:
    original = attachment_display_name(upload.name or "")
    attachment = Attachment(
        tenant=tenant,
        ticket=ticket,
        message=message,
        filename=original[:255],
        content_type=attachment_content_type(upload),
        size=upload.size or 0,
        uploaded_by=uploaded_by,
        created_at=at,
    )
    storage = attachment.file.storage
    name = attachment.file.field.generate_filename(attachment, storage_name(original))
    try:
        attachment.file.name = storage.save(name, upload, max_length=300)
    except OSError:
        _delete_files(storage, [name])  # a full disk leaves the partial file behind
        raise
    written = _written.get()
    if written is not None:
        written.append(attachment.file.name)
    attachment.save()
    return attachment


def _delete_files(storage: Storage | None, names: list[str]) -> None:
    from django.core.files.storage import default_storage

    storage = storage or default_storage
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            logger.exception("could not delete the orphan attachment file %s", name)


@contextlib.contextmanager
def attachments_cleanup_on_failure() -> Iterator[None]:
    """Around a service call that may store attachments: if it fails (its transaction rolled
    back), delete the files it wrote. A file a committed row refers to is never deleted (an
    on-commit hook can raise after the commit); when that cannot be checked, files are kept:
    an orphan file is better than a row without its file."""
    written: list[str] = []
    token = _written.set(written)
    try:
        yield
    except BaseException:
        if written:
            _delete_unrecorded(written)
        raise
    finally:
        _written.reset(token)


def _delete_unrecorded(names: list[str]) -> None:
    try:
        recorded = set(
            Attachment.objects.cross_tenant().filter(file__in=names).values_list("file", flat=True)
        )
    except Exception:  # the database is what failed, or the caller's transaction is broken
        logger.warning("kept %d attachment file(s) of a failed change: unchecked", len(names))
        return
    _delete_files(None, [name for name in names if name not in recorded])


ORPHAN_AFTER = timedelta(days=1)


def attachments_sweep_orphans_cross_tenant(*, now: datetime | None = None) -> int:
    """Delete stored files no Attachment row names, older than ORPHAN_AFTER (left by a process
    killed between writing a file and committing its row). Returns how many were deleted.

    Looks at this month's and last month's folders of every tenant (a file lands in the folder
    of the month it was written; a daily run reaches every orphan while its month is one of
    those two). A file younger than a day may belong to a transaction still running: kept.
    Names of the old layout (`<uuid>/<name>` subfolders) are not touched.
    """
    from django.core.files.storage import default_storage as storage

    now = now or timezone.now()
    months = {f"{now:%Y/%m}", f"{now.replace(day=1) - timedelta(days=1):%Y/%m}"}
    deleted = 0
    try:
        tenant_folders, _ = storage.listdir("attachments")
    except FileNotFoundError:
        return 0
    for tenant_folder in tenant_folders:
        for month in sorted(months):
            folder = f"attachments/{tenant_folder}/{month}"
            try:
                _, files = storage.listdir(folder)
            except FileNotFoundError:
                continue
            names = [f"{folder}/{name}" for name in files]
            for start in range(0, len(names), 500):
                deleted += _delete_orphans(storage, names[start : start + 500], now)
    return deleted


def _delete_orphans(storage: Storage, names: list[str], now: datetime) -> int:
    recorded = set(
        Attachment.objects.cross_tenant().filter(file__in=names).values_list("file", flat=True)
    )
    orphans = [
        name for name in names
        if name not in recorded and storage.get_modified_time(name) < now - ORPHAN_AFTER
    ]  # fmt: skip
    _delete_files(storage, orphans)
    return len(orphans)
