"""Escalation steps in the ticket's history, written through tickets' own event service."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tenants.models import Membership, Tenant
from tickets.models import EventKind, Ticket
from tickets.services.common import ticket_event_record

# The TicketEvent kinds written here.
ESCALATED = EventKind.ESCALATED
ESCALATION_REQUESTED = EventKind.ESCALATION_REQUESTED
ESCALATION_ACKNOWLEDGED = EventKind.ESCALATION_ACKNOWLEDGED
ESCALATION_REASSIGNED = EventKind.ESCALATION_REASSIGNED
ESCALATION_DEESCALATED = EventKind.ESCALATION_DEESCALATED
ESCALATION_CLIMBED = EventKind.ESCALATION_CLIMBED
ESCALATION_REMINDED = EventKind.ESCALATION_REMINDED
ESCALATION_RESOLVED = EventKind.ESCALATION_RESOLVED


def escalation_event(
    *,
    tenant: Tenant,
    ticket: Ticket,
    actor: Membership | None,
    kind: str,
    at: datetime,
    data: dict[str, Any],
    from_value: Any = "",
    to_value: Any = "",
) -> None:
    ticket_event_record(
        tenant=tenant,
        ticket=ticket,
        actor=actor,
        kind=kind,
        field="escalation" if from_value or to_value else "",
        from_value=from_value,
        to_value=to_value,
        at=at,
        data=data,
    )
