"""Objects for the route-walking isolation test: one factory per URL kwarg of tickets' routes."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from tickets import services
from tickets.models import CannedResponse, TicketEvent
from tickets.services.attachments import attachments_add
from tickets.services.common import now_or

from .factories import category, ticket_in


def _attachment_id(tenant) -> int:
    ticket = ticket_in(tenant)
    upload = SimpleUploadedFile("note.txt", b"hello", content_type="text/plain")
    (attachment,) = attachments_add(
        tenant=tenant, ticket=ticket, uploads=[upload], uploaded_by=None, at=now_or(None)
    )
    return attachment.pk


def _canned_id(tenant) -> int:
    title = f"Thanks {CannedResponse.objects.count()}"
    return CannedResponse.objects.create(
        tenant=tenant, title=title, body="Hi {{ requester_name }}"
    ).pk


def _message_id(tenant) -> int:
    ticket = ticket_in(tenant)
    return services.ticket_reply(
        tenant=tenant, ticket=ticket, author=ticket.requester, body="hello"
    ).pk


def _event_id(tenant) -> int:
    return TicketEvent.objects.filter(ticket=ticket_in(tenant)).first().pk


URL_OBJECTS = {
    "admin:tickets.ticket": lambda tenant: ticket_in(tenant).pk,
    "admin:tickets.message": _message_id,
    "admin:tickets.attachment": _attachment_id,
    "admin:tickets.ticketevent": _event_id,
    "admin:tickets.category": lambda tenant: category(tenant).pk,
    "admin:tickets.cannedresponse": _canned_id,
    "reference": lambda tenant: ticket_in(tenant).reference,
    "attachment_id": _attachment_id,
    "canned_id": _canned_id,
}
