"""Assignment, priority and tier changes (single and bulk), and canned responses."""

from __future__ import annotations

import re
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from sla import services as sla_services
from sla.calendars import CalendarHorizonExceeded
from sla.models import Priority
from tenants.models import Membership, Tenant

from ..models import CannedResponse, EventKind, Status, Ticket
from ..workflow import PAUSE_REASON
from .common import (
    TicketChanges,
    now_or,
    ticket_event_record,
    ticket_lock,
    ticket_touch,
    ticket_write,
    version_check,
)
from .creation import unreachable_target_error

TIERS = (1, 2, 3)


def _label(membership: Membership | None) -> str:
    return membership.user.email if membership is not None else ""


@transaction.atomic
def ticket_assign(
    *,
    tenant: Tenant,
    ticket: Ticket,
    assignee: Membership | None,
    actor: Membership | None,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> Ticket:
    """Assign to a staff member of the tenant, or unassign with None.

    `expected_version` (here and in the other single-ticket changes): the ticket version the
    agent saw; another raises `StaleTicket` (checked under the row lock, so of two agents
    racing from the same version exactly one wins)."""
    at = now_or(at)
    if assignee is not None and (
        assignee.tenant_id != tenant.pk or not assignee.is_staff_member or not assignee.is_active
    ):
        raise ValidationError({"assignee": "Assign to an active staff member of this tenant."})
    ticket_lock(tenant=tenant, ticket=ticket)
    version_check(tenant=tenant, ticket=ticket, expected=expected_version)
    if ticket.status == Status.CLOSED:
        raise ValidationError({"assignee": "This ticket is closed."})
    old = ticket.assignee
    if (old.pk if old else None) == (assignee.pk if assignee else None):
        return ticket
    ticket.assignee = assignee
    ticket_touch(tenant=tenant, ticket=ticket, at=at, fields=["assignee"])
    ticket_event_record(
        tenant=tenant,
        ticket=ticket,
        actor=actor,
        kind=EventKind.ASSIGNED,
        field="assignee",
        from_value=_label(old),
        to_value=_label(assignee),
        at=at,
    )
    return ticket


@transaction.atomic
def ticket_set_priority(
    *,
    tenant: Tenant,
    ticket: Ticket,
    priority: Priority,
    actor: Membership | None,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> Ticket:
    """Change the priority; the clocks take the new targets (the ledger records the change)."""
    at = now_or(at)
    if priority.tenant_id != tenant.pk:
        raise ValidationError({"priority": "Unknown priority."})
    ticket_lock(tenant=tenant, ticket=ticket)
    version_check(tenant=tenant, ticket=ticket, expected=expected_version)
    old = ticket.priority
    if old.pk == priority.pk:
        return ticket
    if ticket.status == Status.CLOSED:
        raise ValidationError({"priority": "This ticket is closed."})
    changes = TicketChanges()
    changes.set(ticket, priority=priority)
    try:
        deadlines = sla_services.clocks_on_priority_change(
            tenant=tenant, ticket=ticket, priority=priority, at=at,
            pause_reason=PAUSE_REASON.get(ticket.status, ""),
        )  # fmt: skip
    except CalendarHorizonExceeded as error:  # the transaction rolls back: nothing changed
        raise unreachable_target_error(priority=priority, error=error) from error
    changes.deadlines(ticket, deadlines)
    ticket_event_record(
        tenant=tenant,
        ticket=ticket,
        actor=actor,
        kind=EventKind.PRIORITY,
        field="priority",
        from_value=old.key,
        to_value=priority.key,
        at=at,
    )
    ticket_write(tenant=tenant, ticket=ticket, at=at, changes=changes)
    return ticket


@transaction.atomic
def ticket_set_tier(
    *,
    tenant: Tenant,
    ticket: Ticket,
    tier: int,
    actor: Membership | None,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> Ticket:
    at = now_or(at)
    if tier not in TIERS:
        raise ValidationError({"tier": "Tier is 1, 2 or 3."})
    ticket_lock(tenant=tenant, ticket=ticket)
    version_check(tenant=tenant, ticket=ticket, expected=expected_version)
    old = ticket.tier
    if old == tier:
        return ticket
    ticket.tier = tier
    ticket_touch(tenant=tenant, ticket=ticket, at=at, fields=["tier"])
    ticket_event_record(
        tenant=tenant,
        ticket=ticket,
        actor=actor,
        kind=EventKind.TIER,
        field="tier",
        from_value=old,
        to_value=tier,
        at=at,
    )
    return ticket



PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")


def canned_render(
    *, tenant: Tenant, canned: CannedResponse, ticket: Ticket, agent: Membership
) -> str:
    """Fill {{ placeholders }} (plain substitution, never the template engine: authors are
    tenant staff, and a template language would let them read what they should not)."""
    requester = ticket.requester.user
    values = {
        "requester_name": requester.full_name or requester.email,
        "requester_email": requester.email,
        "customer_name": ticket.customer.name,
        "reference": ticket.reference,
        "subject": ticket.subject,
        "agent_name": agent.user.full_name or agent.user.email,
        "tenant_name": tenant.name,
        "priority": ticket.priority.label,
    }
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), canned.body)


PLACEHOLDERS = (
    "requester_name",
    "requester_email",
    "customer_name",
    "reference",
    "subject",
    "agent_name",
    "tenant_name",
    "priority",
)
