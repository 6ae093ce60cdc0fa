"""Escalation steps in the ticket's history, written through tickets' own event service."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tenants.models import Membership, Tenant
from tickets.models import Ticket
from tickets.services.common import event_record

# TicketEvent kinds written here (tickets' TicketEvent.kind choices carry the same values).
ESCALATED = "escalated"
ESCALATION_REQUESTED = "escalation_requested"
ESCALATION_ACKNOWLEDGED = "escalation_acknowledged"
ESCALATION_REASSIGNED = "escalation_reassigned"
ESCALATION_DEESCALATED = "escalation_deescalated"
ESCALATION_CLIMBED = "escalation_climbed"
ESCALATION_REMINDED = "escalation_reminded"
ESCALATION_RESOLVED = "escalation_resolved"


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
    event_record(
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
