"""Status changes: validated against the workflow table, each one driving the SLA clocks.

`status_apply` is the one place a ticket's status changes (agents, clients, bulk actions and
a customer's reply alike); it collects the row's changes for the caller's single write."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from sla import services as sla_services
from sla.models import Exclusion
from sla.ports import TicketDeadlines
from tenants.models import Membership, Tenant

from ..models import EventKind, Status, Ticket
from ..workflow import PAUSE_REASON, PAUSED_STATUSES, check_transition
from . import notify
from .common import (
    TicketChanges,
    now_or,
    ticket_event_record,
    ticket_lock,
    ticket_write,
    version_check,
)


def clocks_drive(
    *, tenant: Tenant, ticket: Ticket, old: str, new: str, at: datetime, why: str = "Resumed"
) -> TicketDeadlines | None:
    """What a transition does to the clocks (the policy's pause/resume/stop rules); the new
    deadlines, or None when the transition leaves the clocks alone."""
    if new in PAUSE_REASON:
        return sla_services.clocks_pause(tenant=tenant, ticket=ticket, at=at,
                                         reason=PAUSE_REASON[new])  # fmt: skip
    if new == Status.RESOLVED or (new == Status.CLOSED and old != Status.RESOLVED):
        return sla_services.clocks_on_resolve(tenant=tenant, ticket=ticket, at=at)
    if new == Status.OPEN and old == Status.RESOLVED:
        return sla_services.clocks_on_reopen(tenant=tenant, ticket=ticket, at=at)
    if new == Status.OPEN and old in PAUSED_STATUSES:
        return sla_services.clocks_resume(tenant=tenant, ticket=ticket, at=at, why=why)
    return None


def _check_actor(*, actor: Membership | None, old: str, new: str) -> None:
    """Clients may only close their ticket, or reopen it once resolved; staff may do all."""
    if actor is None or actor.is_staff_member:
        return
    if new == Status.CLOSED or (old == Status.RESOLVED and new == Status.OPEN):
        return
    raise ValidationError({"status": "You cannot set this status."})


def status_apply(
    *,
    tenant: Tenant,
    ticket: Ticket,
    status: str,
    actor: Membership | None,
    at: datetime,
    changes: TicketChanges,
    data: dict | None = None,
    why: str = "Resumed",
) -> None:
    """Move a locked ticket to `status`: timestamps, clocks, history. The caller validated
    the transition and writes `changes` (the row) once."""
    old = ticket.status
    kind = EventKind.REOPENED if old == Status.RESOLVED and status == Status.OPEN else (
        EventKind.STATUS
    )
    changes.set(ticket, status=status)
    if status == Status.RESOLVED:
        changes.set(ticket, resolved_at=at)
    elif status == Status.CLOSED:
        changes.set(ticket, closed_at=at)
    elif old == Status.RESOLVED:
        changes.set(ticket, resolved_at=None)
    deadlines = clocks_drive(tenant=tenant, ticket=ticket, old=old, new=status, at=at, why=why)
    if deadlines is not None:
        changes.deadlines(ticket, deadlines)
    ticket_event_record(
        tenant=tenant,
        ticket=ticket,
        actor=actor,
        kind=kind,
        field="status",
        from_value=old,
        to_value=status,
        at=at,
        data=data,
    )
    notify.ticket_notify_status(tenant=tenant, ticket=ticket, old=old, new=status, at=at)


@transaction.atomic
def ticket_set_status(
    *,
    tenant: Tenant,
    ticket: Ticket,
    status: str,
    actor: Membership | None,
    at: datetime | None = None,
    from_status: str | None = None,
    expected_version: int | None = None,
) -> Ticket:
    """Change the status; `from_status` makes it conditional on the status the row really has,
    `expected_version` on the whole ticket being as the agent saw it (else `StaleTicket`)."""
    at = now_or(at)
    ticket_lock(tenant=tenant, ticket=ticket)
    version_check(tenant=tenant, ticket=ticket, expected=expected_version)
    if from_status is not None and ticket.status != from_status:
        raise ValidationError(
            {"status": f"The ticket is {Status(ticket.status).label.lower()} now."}
        )
    if ticket.status == status:
        return ticket
    check_transition(ticket.status, status)
    _check_actor(actor=actor, old=ticket.status, new=status)
    changes = TicketChanges()
    status_apply(tenant=tenant, ticket=ticket, status=status, actor=actor, at=at, changes=changes)
    ticket_write(tenant=tenant, ticket=ticket, at=at, changes=changes)
    return ticket


def ticket_resolve(
    *, tenant: Tenant, ticket: Ticket, actor: Membership | None, at: datetime | None = None
) -> Ticket:
    return ticket_set_status(
        tenant=tenant, ticket=ticket, status=Status.RESOLVED, actor=actor, at=at
    )


def ticket_close(
    *, tenant: Tenant, ticket: Ticket, actor: Membership | None, at: datetime | None = None
) -> Ticket:
    return ticket_set_status(tenant=tenant, ticket=ticket, status=Status.CLOSED, actor=actor, at=at)


def ticket_reopen(
    *, tenant: Tenant, ticket: Ticket, actor: Membership | None, at: datetime | None = None
) -> Ticket:
    return ticket_set_status(
        tenant=tenant,
        ticket=ticket,
        status=Status.OPEN,
        actor=actor,
        at=at,
        from_status=Status.RESOLVED,
    )



@transaction.atomic
def ticket_close_out_of_scope(
    *,
    tenant: Tenant,
    ticket: Ticket,
    exclusion: Exclusion,
    actor: Membership,
    note: str = "",
    at: datetime | None = None,
    expected_version: int | None = None,
) -> Ticket:
    """Close the ticket as outside the policy, citing one of the tenant's active exclusions.

    The clocks stop as on any close; the `out_of_scope` event keeps the exclusion's wording as
    it was (the client's page shows the cited exclusion); `note` is the agent's explanation."""
    at = now_or(at)
    if not actor.is_staff_member:
        raise ValidationError({"exclusion": "Only staff close a ticket as out of scope."})
    if exclusion.tenant_id != tenant.pk or not exclusion.is_active:
        raise ValidationError({"exclusion": "Cite one of this organisation's exclusions."})
    ticket_lock(tenant=tenant, ticket=ticket)
    version_check(tenant=tenant, ticket=ticket, expected=expected_version)
    if ticket.status == Status.CLOSED:
        raise ValidationError({"exclusion": "This ticket is closed."})
    check_transition(ticket.status, Status.CLOSED)
    changes = TicketChanges()
    changes.set(ticket, out_of_scope=exclusion)
    status_apply(tenant=tenant, ticket=ticket, status=Status.CLOSED, actor=actor, at=at,
                 changes=changes, data={"out_of_scope": exclusion.pk})  # fmt: skip
    ticket_event_record(
        tenant=tenant,
        ticket=ticket,
        actor=actor,
        kind=EventKind.OUT_OF_SCOPE,
        field="out_of_scope",
        to_value=exclusion.title,
        at=at,
        data={"exclusion_id": exclusion.pk, "title": exclusion.title, "text": exclusion.text,
              "note": note.strip()[:2000]},  # fmt: skip
    )
    ticket_write(tenant=tenant, ticket=ticket, at=at, changes=changes)
    return ticket
