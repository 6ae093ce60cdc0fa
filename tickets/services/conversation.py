"""The conversation: public replies and internal notes, and what they do to the clocks."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime

import nh3
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.html import escape, linebreaks

from sla import services as sla_services
from sla.models import Channel
from tenants.models import Membership, Tenant

from ..models import EventKind, Message, Status, Ticket
from . import notify
from .attachments import attachments_add
from .common import (
    TicketChanges,
    now_or,
    ticket_event_record,
    ticket_lock,
    ticket_touch,
    ticket_write,
)
from .status import status_apply


def body_sanitise(*, text: str = "", html_body: str | None = None) -> tuple[str, str]:
    """(sanitised HTML, plain text) from a plain-text body or from untrusted HTML (email)."""
    if html_body is not None:
        clean = nh3.clean(html_body)
        plain = html.unescape(nh3.clean(html_body, tags=set())).strip()
        return clean, text.strip() or plain
    return nh3.clean(linebreaks(escape(text.strip()))), text.strip()


def _check_reply(
    *, ticket: Ticket, author: Membership | None, internal: bool, body_text: str
) -> None:
    errors: dict[str, str] = {}
    if not body_text:
        errors["body"] = "Write a message."
    if internal and (author is None or not author.is_staff_member):
        errors["internal"] = "Only agents can add internal notes."
    if ticket.status == Status.CLOSED:
        errors["body"] = "This ticket is closed: open a new ticket instead."
    if errors:
        raise ValidationError(errors)


def _after_agent_reply(
    *, tenant: Tenant, ticket: Ticket, author: Membership, at: datetime, changes: TicketChanges
) -> None:
    changes.deadlines(
        ticket, sla_services.clocks_on_agent_public_reply(tenant=tenant, ticket=ticket, at=at)
    )
    if ticket.first_responded_at is None:
        changes.set(ticket, first_responded_at=at)
    if ticket.status == Status.NEW:
        status_apply(tenant=tenant, ticket=ticket, status=Status.OPEN, actor=author, at=at,
                     changes=changes)  # fmt: skip


def _after_customer_message(
    *, tenant: Tenant, ticket: Ticket, author: Membership | None, at: datetime,
    changes: TicketChanges,
) -> None:  # fmt: skip
    """A customer's message reopens a resolved ticket and ends a wait on the customer, through
    the same status service as every other status change."""
    if ticket.status == Status.RESOLVED:
        status_apply(tenant=tenant, ticket=ticket, status=Status.OPEN, actor=author, at=at,
                     changes=changes)  # fmt: skip
    elif ticket.status == Status.PENDING_CUSTOMER:
        status_apply(
            tenant=tenant, ticket=ticket, status=Status.OPEN, actor=author, at=at,
            changes=changes, data={"reason": "customer replied"},
            why="Resumed: the customer replied",
        )  # fmt: skip
    changes.deadlines(
        ticket, sla_services.clocks_on_customer_message(tenant=tenant, ticket=ticket, at=at)
    )


@transaction.atomic
def ticket_reply(
    *,
    tenant: Tenant,
    ticket: Ticket,
    author: Membership | None,
    body: str = "",
    html_body: str | None = None,
    internal: bool = False,
    channel: str = Channel.PORTAL,
    author_email: str = "",
    email_message_id: str = "",
    attachments: Sequence[UploadedFile] = (),
    at: datetime | None = None,
) -> Message:
    """Add a public reply or an internal note (staff only). `author` None: an email sender."""
    at = now_or(at)
    ticket_lock(tenant=tenant, ticket=ticket)
    body_html, body_text = body_sanitise(text=body, html_body=html_body)
    _check_reply(ticket=ticket, author=author, internal=internal, body_text=body_text)
    message = Message.objects.create(
        tenant=tenant,
        ticket=ticket,
        author=author,
        author_email=author_email or (author.user.email if author else ""),
        is_internal=internal,
        body_html=body_html,
        body_text=body_text,
        channel=channel,
        email_message_id=email_message_id,
        created_at=at,
    )
    if attachments:
        attachments_add(
            tenant=tenant,
            ticket=ticket,
            uploads=attachments,
            uploaded_by=author,
            at=at,
            message=message,
        )
    by_staff = author is not None and author.is_staff_member
    changes = TicketChanges(search=not internal)
    if internal:
        pass
    elif by_staff:
        _after_agent_reply(tenant=tenant, ticket=ticket, author=author, at=at, changes=changes)
    else:
        _after_customer_message(
            tenant=tenant, ticket=ticket, author=author, at=at, changes=changes
        )
    ticket_event_record(
        tenant=tenant,
        ticket=ticket,
        actor=author,
        kind=EventKind.NOTE if internal else EventKind.REPLY,
        at=at,
        data={"message_id": message.pk, "attachments": len(attachments)},
    )
    ticket_write(tenant=tenant, ticket=ticket, at=at, changes=changes)
    notify.ticket_notify_reply(tenant=tenant, ticket=ticket, message=message, author=author, at=at)
    return message


@transaction.atomic
def ticket_attach(
    *,
    tenant: Tenant,
    ticket: Ticket,
    uploads: Sequence[UploadedFile],
    actor: Membership | None,
    at: datetime | None = None,
) -> list:
    """Attach files to the ticket itself (not to a message)."""
    at = now_or(at)
    ticket_lock(tenant=tenant, ticket=ticket)  # the status checked is the row's, not a copy's
    if ticket.status == Status.CLOSED:
        raise ValidationError({"attachments": "This ticket is closed."})
    created = attachments_add(
        tenant=tenant, ticket=ticket, uploads=uploads, uploaded_by=actor, at=at
    )
    ticket_event_record(
        tenant=tenant,
        ticket=ticket,
        actor=actor,
        kind=EventKind.ATTACHMENT,
        at=at,
        data={"files": [a.filename for a in created]},
    )
    ticket_touch(tenant=tenant, ticket=ticket, at=at, fields=[])
    return created


def ticket_request_escalation(
    *,
    tenant: Tenant,
    ticket: Ticket,
    actor: Membership,
    reason: str = "",
    at: datetime | None = None,
) -> None:
    """For now a history row; the escalation app will act on it."""
    at = now_or(at)
    if ticket.status == Status.CLOSED:
        raise ValidationError({"reason": "This ticket is closed."})
    ticket_event_record(
        tenant=tenant,
        ticket=ticket,
        actor=actor,
        kind=EventKind.ESCALATION_REQUESTED,
        at=at,
        data={"reason": reason.strip()[:2000]},
    )
