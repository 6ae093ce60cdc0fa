"""Email -> ticket or reply: the service the parse task calls for one stored delivery.

Steps (each ends the intake with the row's status and reason set):
1. oversize deliveries are kept, marked, and their sender told (if allowed to be answered);
2. the raw MIME is parsed (a message that cannot be parsed is kept as FAILED, retryable);
3. automatic mail (auto-replies, bounces, lists, our own mail) is IGNORED: no ticket, no answer;
4. a sender over the hourly limit is RATE_LIMITED; failing ESP verdicts are HELD;
5. a reply that names one of the tenant's tickets, from someone who belongs on it, is added by
   `ticket_reply` (the portal's service, so clocks resume exactly as for a portal reply);
6. otherwise a new ticket by `ticket_create` (channel email, the tenant's default priority),
   for a known client, a contact of the customer owning the sender's domain, or as the tenant's
   unknown-sender setting says (catch-all contact, polite refusal, or held for review).
"""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from sla.models import Channel
from tenants import services as tenant_services
from tenants.models import Customer, Membership, Tenant
from tickets import services as ticket_services
from tickets.models import Status, Ticket

from . import classify, selectors, tokens
from .acknowledgements import AckLimits, AckRefused, AckRequest, acknowledgement_decide
from .mail import acknowledgement_send_on_commit
from .models import InboundEmail, InboundSettings, InboundStatus, UnknownSenderAction
from .parsing import ParsedEmail, email_parse
from .threads import sender_belongs_on_ticket, thread_find

logger = logging.getLogger(__name__)


@dataclass
class Sender:
    tenant: Tenant
    address: str
    member: Membership | None  # an existing, active membership in this tenant
    counts: selectors.IntakeCounts  # this hour's deliveries from it, answers to it and by all

    @cached_property
    def domain_customer(self) -> Customer | None:
        """The customer owning the address's domain (read only when it matters: a sender
        without a membership here)."""
        return selectors.customer_by_email_domain(tenant=self.tenant, email=self.address)

    @property
    def known_client(self) -> bool:
        return self.member is not None and self.member.is_client

    @property
    def proven_client(self) -> bool:
        """A known client whose address is proven (Membership.address_proven): only then may
        an answer repeat what the message says. A contact an earlier message made from a From
        header (which anyone can forge) is known but not proven: answering it with its
        subject would relay the second message's text (spam relay in two steps)."""
        return self.known_client and self.member.address_proven

    @property
    def ack_counts(self) -> tuple[int, int]:
        return self.counts.acks_to_recipient, self.counts.acks_by_tenant


def inbound_process(*, tenant: Tenant, inbound: InboundEmail, approved: bool = False) -> None:
    """Process one stored delivery (the caller holds its row lock). `approved`: an admin
    released a held message, so holds for verdicts and unknown senders are lifted."""
    inbound.attempts += 1
    if inbound.status == InboundStatus.OVERSIZE:
        _oversize(tenant=tenant, inbound=inbound)
        return _save(inbound)
    try:
        parsed = email_parse(bytes(inbound.raw_mime))
    except Exception:  # noqa: BLE001 - any parser failure: keep the mail, show it to admins
        _mark(
            inbound,
            InboundStatus.FAILED,
            "The message could not be parsed.",
            error=traceback.format_exc(limit=5),
        )
        return _save(inbound)
    try:
        _process_parsed_once_more_on_conflict(
            tenant=tenant, inbound=inbound, parsed=parsed, approved=approved
        )
    except (OperationalError, InterfaceError):
        raise  # transient: the task retries with the row still waiting
    except ValidationError as error:
        _forget_attempt(inbound)
        _mark(
            inbound,
            InboundStatus.FAILED,
            "The ticket service refused it.",
            error="; ".join(error.messages)[:5000],
        )
    except Exception:  # noqa: BLE001 - a bug must not re-queue the mail forever: shown instead
        logger.exception("Inbound email %s could not be processed", inbound.pk)
        _forget_attempt(inbound)
        _mark(
            inbound, InboundStatus.FAILED, "Processing failed.", error=traceback.format_exc(limit=5)
        )
    return _save(inbound)


def _process_parsed_once_more_on_conflict(
    *, tenant: Tenant, inbound: InboundEmail, parsed: ParsedEmail, approved: bool
) -> None:
    """`_process_parsed` in a savepoint; a unique-index conflict is tried once more.

    Two first messages of a new sender parsed at once both create its contact: the second
    INSERT waits for the first transaction and fails when it commits. Tried again (a new
    statement snapshot), the intake finds that contact and files the message normally.
    """
    try:
        with transaction.atomic():
            _process_parsed(tenant=tenant, inbound=inbound, parsed=parsed, approved=approved)
        return
    except IntegrityError:
        _forget_attempt(inbound)
    with transaction.atomic():
        _process_parsed(tenant=tenant, inbound=inbound, parsed=parsed, approved=approved)


def _forget_attempt(inbound: InboundEmail) -> None:
    # Rolled back: nothing the attempt created exists, so the row must not point at it.
    inbound.ticket = inbound.reply_message = inbound.ack_at = None
    inbound.ack_to = inbound.ack_mailbox = inbound.ack_template = ""


def _process_parsed(
    *, tenant: Tenant, inbound: InboundEmail, parsed: ParsedEmail, approved: bool
) -> None:
    sender_address = parsed.from_address or inbound.from_address
    auto = classify.auto_reason(
        parsed.header,
        content_type=parsed.content_type,
        envelope_sender=_envelope_sender(inbound),
        from_address=sender_address,
        message_id_is_ours=tokens.message_id_ours(parsed.message_id) is not None
        or sender_address in _our_addresses(tenant),
    )
    if auto:
        return _mark(inbound, InboundStatus.IGNORED, auto)
    # One query for the sender's hourly limit here and the acknowledgement caps later.
    counts = selectors.intake_counts(
        tenant=tenant,
        sender=sender_address,
        sender_since=selectors.hour_before(inbound.received_at),
        acks_since=selectors.hour_before(timezone.now()),
    )
    count = counts.from_sender
    if count > django_settings.INBOUND_SENDER_MAX_PER_HOUR and not approved:
        return _mark(inbound, InboundStatus.RATE_LIMITED, f"{count} messages from it this hour.")
    failure = classify.verdicts_failed(inbound.verdicts)
    if failure and not approved:
        return _mark(inbound, InboundStatus.HELD, f"ESP verdicts failed: {failure}")
    if parsed.sender_ambiguity and not approved:
        return _mark(inbound, InboundStatus.HELD, f"Ambiguous sender: {parsed.sender_ambiguity}.")
    sender = Sender(
        tenant=tenant,
        address=sender_address,
        member=selectors.member_by_email(tenant=tenant, email=sender_address),
        counts=counts,
    )
    if _thread_in(tenant=tenant, inbound=inbound, parsed=parsed, sender=sender):
        return None
    return _new_ticket(
        tenant=tenant, inbound=inbound, parsed=parsed, sender=sender, approved=approved
    )


def _thread_in(
    *, tenant: Tenant, inbound: InboundEmail, parsed: ParsedEmail, sender: Sender
) -> bool:
    match = thread_find(tenant=tenant, parsed=parsed, routed_ticket_id=inbound.routed_ticket_id)
    if match is None:
        return False
    ticket = match.ticket
    belongs = sender_belongs_on_ticket(
        ticket=ticket,
        sender=sender.address,
        member=sender.member,
        # (only a sender without a membership here is judged by its domain)
        domain_customer=sender.domain_customer if sender.member is None else None,
    )
    if not belongs:
        if match.by == "reply_address":
            # The unguessable address was used, but by someone not on the ticket (a forward?):
            # an agent decides; nothing is appended and no one is added.
            _mark(
                inbound,
                InboundStatus.HELD,
                f"Reply address of {ticket.reference} used by an address not on the ticket.",
            )
            return True
        return False  # a guessed reference or a borrowed Message-ID: never appended
    if sender.member is not None and sender.member.is_staff_member:
        _mark(inbound, InboundStatus.HELD, "Mail from a staff address: reply in the app.")
        return True
    if ticket.status == Status.CLOSED:
        return False  # a closed ticket is not reopened by mail: a new ticket is made
    uploads = _allowed_attachments(inbound, parsed, tenant=tenant, ticket=ticket)
    message = ticket_services.ticket_reply(
        tenant=tenant,
        ticket=ticket,
        author=sender.member if sender.known_client else None,
        body=parsed.shown_text or ("(attachments only)" if uploads else "(no text)"),
        channel=Channel.EMAIL,
        author_email=sender.address,
        email_message_id=inbound.message_id[:998],
        attachments=uploads,
    )
    inbound.ticket, inbound.reply_message = ticket, message
    _mark(inbound, InboundStatus.REPLIED, f"Added to {ticket.reference} (by {match.by}).")
    return True


def _new_ticket(
    *,
    tenant: Tenant,
    inbound: InboundEmail,
    parsed: ParsedEmail,
    sender: Sender,
    approved: bool,
) -> None:
    intake = selectors.inbound_settings_get(tenant=tenant)
    if sender.member is not None and sender.member.is_staff_member:
        return _mark(inbound, InboundStatus.HELD, "Mail from a staff address: not a requester.")
    requester = sender.member if sender.known_client else None
    if requester is None:
        requester = _contact_for(
            tenant=tenant, inbound=inbound, sender=sender, intake=intake, approved=approved
        )
        if requester is None:
            return None
    priority = selectors.default_priority_get(tenant=tenant, settings=intake)
    if priority is None:
        return _mark(inbound, InboundStatus.HELD, "The tenant has no priorities configured.")
    uploads = _allowed_attachments(inbound, parsed, tenant=tenant, ticket=None)
    # (The answers were counted before the ticket is made: ticket_create holds the tenant's
    # number lock until this transaction commits, so nothing avoidable runs after it.)
    ticket = ticket_services.ticket_create(
        tenant=tenant,
        requester=requester,
        subject=parsed.subject or "(no subject)",
        description=parsed.shown_text or ("(attachments only)" if uploads else "(no text)"),
        priority=priority,
        channel=Channel.EMAIL,
        attachments=uploads,
    )
    inbound.ticket = ticket
    _mark(inbound, InboundStatus.TICKET_CREATED, f"New ticket {ticket.reference}.")
    _acknowledge(
        tenant=tenant,
        inbound=inbound,
        intake=intake,
        template="ticket_created",
        recipient=sender.address,
        known=sender.proven_client,
        ticket=ticket,
        echo={"subject": ticket.subject, "requester_name": requester.user.full_name},
        counts=sender.ack_counts,
    )
    return None


def _contact_for(
    *,
    tenant: Tenant,
    inbound: InboundEmail,
    sender: Sender,
    intake: InboundSettings,
    approved: bool,
) -> Membership | None:
    """A requester for a sender who is not a client user yet, or None (row marked)."""
    if sender.member is not None and sender.member.is_client:
        return sender.member  # (an inactive membership is never found: not here)
    if intake.require_known_senders and not approved:
        _mark(inbound, InboundStatus.HELD, "Unknown sender (the tenant requires known senders).")
        return None
    customer = sender.domain_customer
    if customer is None and (
        intake.unknown_sender_action == UnknownSenderAction.CATCH_ALL or approved
    ):
        customer = intake.catch_all_customer
    if customer is not None:
        # The sender's display name is not stored: it is sender-controlled text that later
        # mail to this address would repeat.
        return tenant_services.client_contact_create(
            tenant=tenant, customer=customer, email=sender.address
        )
    if intake.unknown_sender_action == UnknownSenderAction.REFUSE and not approved:
        _mark(inbound, InboundStatus.REFUSED, "Unknown sender: refused.")
        _acknowledge(
            tenant=tenant,
            inbound=inbound,
            intake=intake,
            template="inbound_refused",
            recipient=sender.address,
            known=False,
            ticket=None,
            echo={},
            counts=sender.ack_counts,
        )
        return None
    _mark(inbound, InboundStatus.HELD, "Unknown sender: held for review.")
    return None


def _allowed_attachments(
    inbound: InboundEmail, parsed: ParsedEmail, *, tenant: Tenant, ticket: Ticket | None
) -> list:
    """The files that fit the attachment limits together (tickets' rules), the rest named on
    the row: a message is never refused for its attachments."""
    kept, dropped = ticket_services.attachments_that_fit(
        tenant=tenant, ticket=ticket, uploads=parsed.attachments
    )
    if dropped:
        inbound.error = (
            "Attachments not kept (type, size, count or room left): " + ", ".join(dropped)
        )[:5000]
    return kept


def _oversize(*, tenant: Tenant, inbound: InboundEmail) -> None:
    inbound.reason = f"Larger than {django_settings.INBOUND_MAX_BYTES:,} bytes: kept, not parsed."
    try:
        parsed = email_parse(bytes(inbound.raw_mime))
        auto = classify.auto_reason(
            parsed.header,
            content_type=parsed.content_type,
            envelope_sender=_envelope_sender(inbound),
            from_address=inbound.from_address,
            message_id_is_ours=tokens.message_id_ours(parsed.message_id) is not None,
        )
    except Exception:  # noqa: BLE001
        auto = "could not be parsed"
    member = selectors.member_by_email(tenant=tenant, email=inbound.from_address)
    _acknowledge(
        tenant=tenant,
        inbound=inbound,
        intake=selectors.inbound_settings_get(tenant=tenant),
        template="inbound_oversize",
        recipient=inbound.from_address,
        known=member is not None and member.is_client and member.address_proven,
        ticket=None,
        echo={},
        auto=auto,
    )


def _acknowledge(
    *,
    tenant: Tenant,
    inbound: InboundEmail,
    intake: InboundSettings,
    template: str,
    recipient: str,
    known: bool,
    ticket: Ticket | None,
    echo: dict,
    auto: str = "",
    counts: tuple[int, int] | None = None,
) -> None:
    to_recipient, by_tenant = counts or _ack_counts(tenant=tenant, recipient=recipient)
    request = AckRequest(
        template=template,
        recipient=recipient,
        recipient_known=known,
        enabled=intake.acknowledge,
        auto_reason=auto,
        verdicts_failure=classify.verdicts_failed(inbound.verdicts),
        sent_to_recipient_last_hour=to_recipient,
        sent_by_tenant_last_hour=by_tenant,
        context={
            "tenant_name": tenant.name,
            "reference": ticket.reference if ticket else "",
            "portal_url": _portal_url(tenant, ticket),
            "limit_mb": django_settings.INBOUND_MAX_BYTES // (1024 * 1024),
            "from_email": tenant.inbound_email or django_settings.DEFAULT_FROM_EMAIL,
            **echo,
        },
    )
    decision = acknowledgement_decide(
        request,
        AckLimits(
            per_recipient_per_hour=django_settings.INBOUND_ACK_MAX_PER_RECIPIENT_HOUR,
            per_tenant_per_hour=django_settings.INBOUND_ACK_MAX_PER_TENANT_HOUR,
        ),
    )
    if isinstance(decision, AckRefused):
        inbound.ack_template = f"none: {decision.reason}"[:60]
        return
    reply_to = (
        tokens.reply_address(tenant_id=tenant.pk, ticket_id=ticket.pk)
        if ticket
        else (tenant.inbound_email or django_settings.DEFAULT_FROM_EMAIL)
    )
    acknowledgement_send_on_commit(
        ack=decision,
        reply_to=reply_to,
        message_id=tokens.message_id_new(tenant_id=tenant.pk, ticket_id=ticket.pk if ticket else 0),
        # Threading the answer on the sender's Message-ID repeats text the sender chose (it can
        # carry a URL): only for a proven requester, like every other echo.
        in_reply_to=inbound.message_id
        if known and not inbound.message_id.endswith("@no-message-id>")
        else "",
        tenant=tenant,
    )
    inbound.ack_to, inbound.ack_template = decision.recipient, template
    inbound.ack_mailbox = classify.mailbox_key(decision.recipient)
    inbound.ack_at = timezone.now()


def _ack_counts(*, tenant: Tenant, recipient: str) -> tuple[int, int]:
    """Automatic answers in the last hour: to this recipient, and by the whole tenant."""
    since = selectors.hour_before(timezone.now())
    return (
        selectors.acks_since(tenant=tenant, since=since, recipient=recipient.lower()),
        selectors.acks_since(tenant=tenant, since=since),
    )


def _portal_url(tenant: Tenant, ticket: Ticket | None) -> str:
    if ticket is None:
        return ""
    host = tenant.custom_domain or f"{tenant.slug}.{django_settings.HELPDESK_DOMAIN}"
    return f"https://{host}/tickets/{ticket.reference}/"


def _envelope_sender(inbound: InboundEmail) -> str | None:
    # Only ESPs that report the envelope sender make an empty one meaningful (a bounce).
    if inbound.envelope_recipient:
        return inbound.envelope_sender
    return None


def _our_addresses(tenant: Tenant) -> set[str]:
    return {a.lower() for a in (tenant.inbound_email, django_settings.DEFAULT_FROM_EMAIL) if a}


def _mark(inbound: InboundEmail, status: str, reason: str, *, error: str = "") -> None:
    inbound.status, inbound.reason = status, reason[:250]
    if error:
        inbound.error = error


_SAVED_FIELDS = (
    "status", "reason", "error", "attempts", "processed_at", "ticket_id", "reply_message_id",
    "ack_to", "ack_mailbox", "ack_template", "ack_at",
)  # fmt: skip


def _save(inbound: InboundEmail) -> None:
    """Write the outcome (the fields the intake sets) in one UPDATE, written out: it runs for
    every delivery and the ORM's compilation of `save(update_fields=…)` cost more than it."""
    inbound.processed_at = timezone.now()  # the end of processing: the bench's lag is to here
    inbound.status = str(inbound.status)  # (a TextChoices member: its value)
    assignments = ", ".join(f"{name} = %s" for name in _SAVED_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {InboundEmail._meta.db_table} SET {assignments} "  # noqa: S608 - our table
            "WHERE id = %s AND tenant_id = %s",
            [*(getattr(inbound, name) for name in _SAVED_FIELDS), inbound.pk, inbound.tenant_id],
        )
