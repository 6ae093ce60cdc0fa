"""Status changes: validated against the workflow table, each one driving the SLA clocks."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from sla import services as sla_services
from sla.models import SegmentKind
from tenants.models import Membership, Tenant

from ..models import Status, Ticket
from ..workflow import PAUSED_STATUSES, check_transition
from .common import (
    deadlines_reload,
    event_record,
    now_or,
    ticket_lock,
    ticket_touch,
    tickets_each,
)

PAUSE_REASON = {
    Status.PENDING_CUSTOMER: SegmentKind.PAUSED_CUSTOMER,
    Status.ON_HOLD: SegmentKind.PAUSED_HOLD,
}


def clocks_drive(*, tenant: Tenant, ticket: Ticket, old: str, new: str, at: datetime) -> None:
    """What a transition does to the clocks (the policy's pause/resume/stop rules)."""
    if new in PAUSE_REASON:
        sla_services.clocks_pause(tenant=tenant, ticket=ticket, at=at, reason=PAUSE_REASON[new])
    elif new == Status.RESOLVED or (new == Status.CLOSED and old != Status.RESOLVED):
        sla_services.clocks_on_resolve(tenant=tenant, ticket=ticket, at=at)
    elif new == Status.OPEN and old == Status.RESOLVED:
        sla_services.clocks_on_reopen(tenant=tenant, ticket=ticket, at=at)
    elif new == Status.OPEN and old in PAUSED_STATUSES:
        sla_services.clocks_resume(tenant=tenant, ticket=ticket, at=at)


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
    kind: str = "status",
    data: dict | None = None,
) -> None:
    """Move a locked ticket to `status`: timestamps, clocks, history. The caller validated."""
    old = ticket.status
    ticket.status = status
    fields = ["status"]
    if status == Status.RESOLVED:
        ticket.resolved_at = at
        fields.append("resolved_at")
    elif status == Status.CLOSED:
        ticket.closed_at = at
        fields.append("closed_at")
    elif old == Status.RESOLVED:
        ticket.resolved_at = None
        fields.append("resolved_at")
    ticket_touch(tenant=tenant, ticket=ticket, at=at, fields=fields)
    clocks_drive(tenant=tenant, ticket=ticket, old=old, new=status, at=at)
    event_record(
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


@transaction.atomic
def ticket_set_status(
    *,
    tenant: Tenant,
    ticket: Ticket,
    status: str,
    actor: Membership | None,
    at: datetime | None = None,
    from_status: str | None = None,
) -> Ticket:
    """Change the status; `from_status` makes it conditional on the status the row really has."""
    at = now_or(at)
    ticket_lock(tenant=tenant, ticket=ticket)
    if from_status is not None and ticket.status != from_status:
        raise ValidationError(
            {"status": f"The ticket is {Status(ticket.status).label.lower()} now."}
        )
    if ticket.status == status:
        return ticket
    check_transition(ticket.status, status)
    _check_actor(actor=actor, old=ticket.status, new=status)
    kind = "reopened" if ticket.status == Status.RESOLVED and status == Status.OPEN else "status"
    status_apply(tenant=tenant, ticket=ticket, status=status, actor=actor, at=at, kind=kind)
    deadlines_reload(tenant=tenant, ticket=ticket)
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


def ticket_bulk_set_status(
    *,
    tenant: Tenant,
    tickets: list[Ticket],
    status: str,
    actor: Membership,
    at: datetime | None = None,
) -> tuple[list[Ticket], dict[str, str]]:
    """Each ticket in its own transaction; returns the changed ones and why the others failed."""
    at = now_or(at)
    return tickets_each(
        tickets,
        lambda ticket: ticket_set_status(
            tenant=tenant, ticket=ticket, status=status, actor=actor, at=at
        ),
    )
