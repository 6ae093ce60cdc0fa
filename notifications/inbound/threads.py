"""Threading that cannot be hijacked.

A reply joins a ticket only when (1) it names the ticket by something we made or stored — the
ticket's reply+<token>@ address, a Message-ID we sent or stored in In-Reply-To/References, or
the `[BYT-1042]` reference in the subject — and (2) its sender belongs on that ticket: the
requester, an address in the ticket's CCs, or a person/address of the same customer. The
lookup is always inside the delivery's tenant, so another tenant's ticket is never found.
Mail never adds CCs or watchers.
"""

from __future__ import annotations

from dataclasses import dataclass

from tenants.models import Customer, Membership, Tenant
from tickets.models import Message, Ticket

from . import tokens
from .models import InboundEmail
from .parsing import ParsedEmail


@dataclass(frozen=True)
class ThreadMatch:
    ticket: Ticket
    by: str  # "reply_address", "references" or "subject"


def _tickets(tenant: Tenant):
    return Ticket.objects.for_tenant(tenant).select_related("customer", "requester__user")


def thread_find(
    *, tenant: Tenant, parsed: ParsedEmail, routed_ticket_id: int | None
) -> ThreadMatch | None:
    if routed_ticket_id is not None:
        ticket = _tickets(tenant).filter(pk=routed_ticket_id).first()
        if ticket is not None:
            return ThreadMatch(ticket, "reply_address")
    ticket = _by_references(tenant=tenant, references=parsed.references_all())
    if ticket is not None:
        return ThreadMatch(ticket, "references")
    tags = parsed.subject_tags()
    if tags:
        ticket = _tickets(tenant).filter(reference__in=tags).order_by("-created_at").first()
        if ticket is not None:
            return ThreadMatch(ticket, "subject")
    return None


def _by_references(*, tenant: Tenant, references: list[str]) -> Ticket | None:
    if not references:
        return None
    for reference in references:
        ours = tokens.message_id_ours(reference)
        if ours and ours[0] == tenant.pk and ours[1]:
            ticket = _tickets(tenant).filter(pk=ours[1]).first()
            if ticket is not None:
                return ticket
    stored = (
        InboundEmail.objects.for_tenant(tenant)
        .filter(message_id__in=references, ticket__isnull=False)
        .values_list("ticket_id", flat=True)
        .first()
    )
    if stored is None:
        stored = (
            Message.objects.for_tenant(tenant)
            .filter(email_message_id__in=references)
            .values_list("ticket_id", flat=True)
            .first()
        )
    return _tickets(tenant).filter(pk=stored).first() if stored else None


def sender_belongs_on_ticket(
    *, ticket: Ticket, sender: str, member: Membership | None, domain_customer: Customer | None
) -> bool:
    sender = sender.lower()
    if not sender:
        return False
    if ticket.requester.user.email.lower() == sender:
        return True
    if sender in {cc.lower() for cc in ticket.cc_emails}:
        return True
    if member is not None:
        return member.customer_id == ticket.customer_id
    return domain_customer is not None and domain_customer.pk == ticket.customer_id
