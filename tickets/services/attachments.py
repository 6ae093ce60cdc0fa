"""Attachments: size and type limits from settings, stored through Django's storage API."""

from __future__ import annotations

import mimetypes
import uuid
from collections.abc import Sequence
from datetime import datetime
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.text import get_valid_filename

from tenants.models import Membership, Tenant

from ..models import Attachment, Message, Ticket


def attachment_content_type(upload: UploadedFile) -> str:
    declared = (getattr(upload, "content_type", "") or "").split(";")[0].strip().lower()
    if declared and declared in settings.ATTACHMENT_ALLOWED_TYPES:
        return declared
    guessed, _ = mimetypes.guess_type(upload.name or "")
    return (guessed or declared or "application/octet-stream").lower()


def attachments_validate(uploads: Sequence[UploadedFile]) -> list[str]:
    """The problems with these uploads, one message per bad file (empty when all are fine)."""
    errors = []
    limit = settings.ATTACHMENT_MAX_BYTES
    for upload in uploads:
        if upload.size is not None and upload.size > limit:
            errors.append(
                f"{upload.name}: {upload.size:,} bytes is over the limit of {limit:,} bytes."
            )
        if attachment_content_type(upload) not in settings.ATTACHMENT_ALLOWED_TYPES:
            errors.append(f"{upload.name}: this type of file is not accepted.")
    return errors


def attachments_add(
    *,
    tenant: Tenant,
    ticket: Ticket,
    uploads: Sequence[UploadedFile],
    uploaded_by: Membership | None,
    at: datetime,
    message: Message | None = None,
) -> list[Attachment]:
    errors = attachments_validate(uploads)
    if errors:
        raise ValidationError({"attachments": errors})
    created = []
    for upload in uploads:
        original = PurePath(upload.name or "file").name
        safe = get_valid_filename(original) or "file"
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
        # A random directory: names are not guessable and never collide.
        attachment.file.save(f"{uuid.uuid4().hex}/{safe}", upload, save=False)
        attachment.save()
        created.append(attachment)
    return created
