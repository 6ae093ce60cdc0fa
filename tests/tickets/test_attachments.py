"""Attachments: limits per file, request, ticket and tenant; a full disk answers 507 and keeps
the text; a failed change leaves no file behind; storage names independent of the upload's."""

from __future__ import annotations

import errno
from pathlib import Path
from unittest import mock

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError

from tests.conftest import login_as
from tickets.models import Attachment, Message, Ticket

from .factories import category, make_ticket, sla_config

CJK_NAME = "漢" * 130 + ".txt"  # 390 bytes in UTF-8: over the file system's 255


class DiskFullStorage(FileSystemStorage):
    """A file system whose disk fills up after `room` files (ENOSPC, as a full disk)."""

    room = 0

    def _save(self, name, content):
        if DiskFullStorage.room <= 0:
            # A real full disk leaves the partial file behind: so does this.
            path = Path(self.path(name))
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"partial")
            raise OSError(errno.ENOSPC, "No space left on device")
        DiskFullStorage.room -= 1
        return super()._save(name, content)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def full_disk(settings, media):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "tests.tickets.test_attachments.DiskFullStorage"},
    }
    DiskFullStorage.room = 0
    return DiskFullStorage


@pytest.fixture
def configured(customer):
    sla_config(customer.tenant, customer.plan)
    category(customer.tenant)


def files_on_disk(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def upload(name="log.txt", content=b"boom"):
    return SimpleUploadedFile(name, content, content_type="text/plain")


NEW = {"subject": "Broken", "description": "It broke at 09:14 after the update",
       "priority": "critical", "category": "technical"}  # fmt: skip


def test_a_130_character_cjk_name_is_stored_and_downloaded_under_its_name(
    client, client_user, configured, media
):
    login_as(client, client_user)
    response = client.post("/tickets/new/", {**NEW, "attachments": [upload(CJK_NAME)]})
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.filename == CJK_NAME
    stored = Path(attachment.file.name).name
    assert stored.endswith(".txt") and len(stored.encode()) < 50
    ticket = Ticket.objects.get()
    download = client.get(f"/tickets/{ticket.reference}/attachments/{attachment.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"boom"
    assert "filename*=utf-8''" in download["Content-Disposition"]


@pytest.mark.fault
def test_a_full_disk_on_a_portal_reply_is_a_507_keeping_the_text_and_no_file(
    client, client_user, configured, full_disk, media
):
    ticket = make_ticket(client_user)
    login_as(client, client_user)
    text = "Here is the log you asked for — line 3 shows the crash."
    response = client.post(
        f"/tickets/{ticket.reference}/reply/", {"body": text, "attachments": [upload()]}
    )
    assert response.status_code == 507
    body = response.content.decode()
    assert "storage is full" in body
    assert "line 3 shows the crash" in body  # what the user typed is back in the form
    assert not Message.objects.filter(body_text__contains="line 3").exists()
    assert not Attachment.objects.exists()
    assert files_on_disk(media) == []  # not even the partial file


@pytest.mark.fault
def test_a_full_disk_on_the_second_file_deletes_the_first(
    client, client_user, configured, full_disk, media
):
    full_disk.room = 1
    login_as(client, client_user)
    response = client.post(
        "/tickets/new/", {**NEW, "attachments": [upload("a.txt"), upload("b.txt")]}
    )
    assert response.status_code == 507
    assert "It broke at 09:14" in response.content.decode()
    assert not Ticket.objects.exists() and not Attachment.objects.exists()
    assert files_on_disk(media) == []


@pytest.mark.fault
@pytest.mark.parametrize("path", ["reply", "note"])
def test_a_full_disk_on_an_agent_reply_is_a_507_keeping_the_text(
    client, client_user, agent, configured, full_disk, media, path
):
    ticket = make_ticket(client_user)
    login_as(client, agent)
    data = {"body": "Please restart the service", "attachments": [upload()]}
    if path == "note":
        data["kind"] = "note"
    response = client.post(f"/work/{ticket.reference}/reply/", data)
    assert response.status_code == 507
    assert "Please restart the service" in response.content.decode()
    assert files_on_disk(media) == []


@pytest.mark.fault
def test_a_change_that_fails_after_storing_its_files_leaves_none_behind(
    client, client_user, configured, media
):
    """The service fails after the files are written (here its last step, injected): the
    transaction rolls back and the files go with it."""
    ticket = make_ticket(client_user)
    login_as(client, client_user)
    client.raise_request_exception = False
    with mock.patch(
        "tickets.services.conversation.ticket_write",
        side_effect=DatabaseError("injected"),
    ):
        response = client.post(
            f"/tickets/{ticket.reference}/reply/", {"body": "hi", "attachments": [upload()]}
        )
    assert response.status_code == 500
    assert not Attachment.objects.exists()
    assert files_on_disk(media) == []


def test_limits_per_request_are_field_errors(client, client_user, configured, settings, media):
    settings.ATTACHMENT_MAX_FILES = 2
    settings.ATTACHMENT_MAX_REQUEST_BYTES = 10
    login_as(client, client_user)
    response = client.post("/tickets/new/", {
        **NEW, "attachments": [upload("a.txt", b"123456"), upload("b.txt", b"123456"),
                               upload("c.txt", b"1")],
    })  # fmt: skip
    assert response.status_code == 400
    body = response.content.decode()
    assert "At most 2 files at a time." in body
    assert "at most" in body and "at a time" in body
    assert not Ticket.objects.exists() and files_on_disk(media) == []


def test_the_ticket_total_and_the_tenant_quota_are_field_errors(
    client, client_user, configured, settings, media
):
    ticket = make_ticket(client_user)
    login_as(client, client_user)
    settings.ATTACHMENT_MAX_TICKET_BYTES = 10
    reply = f"/tickets/{ticket.reference}/reply/"
    assert client.post(reply, {"body": "one", "attachments": [upload(content=b"x" * 8)]}
                       ).status_code == 302  # fmt: skip
    response = client.post(reply, {"body": "two", "attachments": [upload(content=b"x" * 8)]})
    assert response.status_code == 400
    assert "per ticket" in response.content.decode()

    settings.ATTACHMENT_MAX_TICKET_BYTES = 10**9
    settings.ATTACHMENT_TENANT_QUOTA_BYTES = 12
    response = client.post(reply, {"body": "three", "attachments": [upload(content=b"x" * 8)]})
    assert response.status_code == 400
    assert "storage of this helpdesk is full" in response.content.decode()
    assert len(files_on_disk(media)) == 1  # only the first, accepted file


def test_the_form_states_the_limits(client, client_user, configured):
    login_as(client, client_user)
    body = client.get("/tickets/new/").content.decode()
    assert "10 MB each and 25 MB together; 100 MB per ticket" in body


def test_the_sweeper_deletes_day_old_files_no_row_names_and_nothing_else(
    client_user, configured, media
):
    import os
    from datetime import UTC, datetime

    from tickets.services.attachments import attachments_sweep_orphans_cross_tenant
    from tickets.tasks import attachments_sweep_orphans

    ticket = make_ticket(client_user, attachments=[upload("kept.txt")])
    kept = Path(Attachment.objects.get().file.path)
    folder = kept.parent
    old_orphan = folder / "0123456789abcdef0123456789abcdef.txt"
    new_orphan = folder / "fedcba9876543210fedcba9876543210.txt"
    old_orphan.write_bytes(b"left by a killed process")
    new_orphan.write_bytes(b"a transaction still running")
    day_and_a_bit_ago = datetime.now(tz=UTC).timestamp() - 25 * 3600
    for path in (kept, old_orphan):
        os.utime(path, (day_and_a_bit_ago, day_and_a_bit_ago))

    assert attachments_sweep_orphans.apply().get() == 1
    assert not old_orphan.exists()
    assert kept.exists() and new_orphan.exists()
    assert ticket.attachments.count() == 1
    assert attachments_sweep_orphans_cross_tenant() == 0
