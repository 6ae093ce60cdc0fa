"""Escalation test data: ladders made through the configuration services, tickets through
tickets' services."""

from __future__ import annotations

from datetime import timedelta

from escalation import configuration
from escalation.models import EscalationLadder, Source, TargetKind
from sla.models import Calendar
from tenants.models import Membership, Tenant
from tests.factories import CustomerFactory, client_membership
from tests.tickets.factories import make_ticket
from tickets.models import Ticket

ALL_SOURCES = [Source.SLA_BREACH, Source.CLIENT_REQUEST, Source.AGENT]


def ladder(
    tenant: Tenant,
    levels: list[dict],
    *,
    name: str = "Default",
    sources: list[str] | None = None,
    priority=None,
) -> EscalationLadder:
    """`levels`: dicts of level fields; `hours` (default 4) and `calendar` (default 24/7)."""
    row = configuration.ladder_save(
        tenant=tenant,
        data={"name": name, "sources": sources or ALL_SOURCES, "priority": priority},
    )
    for position, spec in enumerate(levels, start=1):
        spec = dict(spec)
        hours = spec.pop("hours", 4)
        configuration.level_save(
            tenant=tenant,
            ladder=row,
            data={
                "position": position,
                "name": spec.pop("name", f"Level {position}"),
                "acknowledge_within": timedelta(hours=hours),
                "calendar": spec.pop("calendar", None),
                **spec,
            },
        )
    return row


def role_level(role: str, **extra) -> dict:
    return {"target_kind": TargetKind.ROLE, "target_role": role, **extra}


def business_calendar(tenant: Tenant) -> Calendar:
    """Mon–Fri 09:00–17:00 New York."""
    return Calendar.objects.get_or_create(
        tenant=tenant,
        name="Office",
        defaults={
            "time_zone": "America/New_York",
            "weekly": {str(d): ["09:00-17:00"] for d in range(5)},
        },
    )[0]


def ticket_for(tenant: Tenant, *, requester: Membership | None = None, **kwargs) -> Ticket:
    if requester is None:
        requester = client_membership(tenant, CustomerFactory(tenant=tenant))
    return make_ticket(requester, **kwargs)
