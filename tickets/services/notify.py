"""Email about a ticket, written to the notification outbox in the caller's transaction.

Each function is called explicitly by the ticket service that made the change (no signals),
so the notification rows commit or roll back with it. The outbound core knows nothing of
tickets: this module fills its generic fields (topic, the id the Message-ID and reply token
are signed for, Reply-To) from the ticket.

Who is emailed:
- created: the requester ("we received your ticket BYT-1042"), unless the ticket came by email
  (the email intake acknowledges those itself, under its anti-relay rules and rate limits);
- an agent's public reply: the requester, the ticket's CC addresses and its client watchers,
  all already on the ticket (the reply never adds an address), minus the author;
- status changes the client cares about (pending on the customer, resolved, closed): the
  requester.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db.models import Q

from notifications.outbound.services import notification_send_email
from notifications.outbound.tokens import reply_address
from sla.models import Channel
from tenants.models import Membership, Tenant

from ..models import Message, Status, Ticket

CLIENT_STATUSES = {Status.PENDING_CUSTOMER, Status.RESOLVED, Status.CLOSED}


def _portal_url(tenant: Tenant, ticket: Ticket) -> str:
    host = tenant.custom_domain or f"{tenant.slug}.{settings.HELPDESK_DOMAIN}"
    return f"https://{host}/tickets/{ticket.reference}/"


def _context(
    tenant: Tenant, ticket: Ticket, requester: Membership | None = None
) -> dict[str, object]:
    requester = requester or ticket.requester
    return {
        "tenant_name": tenant.name,
        "reference": ticket.reference,
        "portal_url": _portal_url(tenant, ticket),
        "subject": ticket.subject,
        "requester_name": requester.user.full_name if requester else "",
        # Ticket mail goes to people already on the ticket; they may see its own words unless
        # the requester is only a From header (a contact the intake made, never signed in):
        # then the subject is a stranger's text, and the mail would relay it (email_render
        # drops it).
        "recipient_known": bool(requester and requester.address_proven),
    }


def _send(
    *, tenant: Tenant, ticket: Ticket, recipients: Iterable[str], event: str,
    context: dict[str, object], at: datetime | None, automatic: bool = True,
) -> None:  # fmt: skip
    addresses = [a for a in recipients if a]
    if not addresses:
        return
    notification_send_email(
        tenant=tenant,
        recipients=addresses,
        event=event,
        context=context,
        link=f"/tickets/{ticket.reference}/",
        at=at,
        topic=f"ticket:{ticket.pk}",
        thread_id=ticket.pk,
        reply_to=reply_address(tenant_id=tenant.pk, ticket_id=ticket.pk),
        from_email=tenant.inbound_email or settings.DEFAULT_FROM_EMAIL,
        automatic=automatic,
    )


def ticket_notify_created(*, tenant: Tenant, ticket: Ticket, at: datetime | None = None) -> None:
    if ticket.channel == Channel.EMAIL:
        return  # acknowledged by the email intake (anti-relay rules, rate limits)
    _send(tenant=tenant, ticket=ticket, recipients=[ticket.requester.user.email],
          event="ticket_created", context=_context(tenant, ticket), at=at)  # fmt: skip


def ticket_notify_reply(
    *, tenant: Tenant, ticket: Ticket, message: Message, author: Membership | None,
    at: datetime | None = None,
) -> None:  # fmt: skip
    if message.is_internal or author is None or not author.is_staff_member:
        return
    # The requester and the watchers in one query; clients only (staff read the ticket page).
    people = (
        Membership.objects.for_tenant(tenant)
        .filter(Q(pk=ticket.requester_id) | Q(watching=ticket), is_active=True)
        .select_related("user")
        .distinct()
    )
    on_ticket = sorted((m for m in people if not m.is_staff_member),
                       key=lambda m: m.pk != ticket.requester_id)  # requester first  # fmt: skip
    author_email = author.user.email.lower()
    recipients = [
        a for a in [*(m.user.email for m in on_ticket), *ticket.cc_emails]
        if a and a.lower() != author_email
    ]  # fmt: skip
    # Loaded already unless the requester left (then the CCs are still answered).
    requester = next((m for m in on_ticket if m.pk == ticket.requester_id), None)
    context = {
        **_context(tenant, ticket, requester),
        "author_name": author.user.full_name or "Support",
        "body": message.body_text,
    }
    # Typed by a person: no Auto-Submitted header, so the client's auto-responder may answer.
    _send(tenant=tenant, ticket=ticket, recipients=recipients, event="ticket_reply",
          context=context, at=at, automatic=False)  # fmt: skip


def ticket_notify_status(
    *, tenant: Tenant, ticket: Ticket, old: str, new: str, at: datetime | None = None
) -> None:
    if new == old or new not in CLIENT_STATUSES:
        return
    context = {**_context(tenant, ticket), "status": new, "status_label": Status(new).label}
    _send(tenant=tenant, ticket=ticket, recipients=[ticket.requester.user.email],
          event="ticket_status", context=context, at=at)  # fmt: skip
