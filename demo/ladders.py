"""The seed tenants' escalation ladders (seed-policies.md, "Escalation" lines).

Each ladder escalates at an SLA breach, on a client's request and when an agent escalates.
Acknowledgement windows are business time on the tenant's business calendar: bytez promises
4 bh for client escalation requests; the other documents give no figure, and 4 bh is used for
them too (shown on the ladder settings page, where a tenant admin changes it).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction

from escalation import configuration
from escalation.models import EscalationLadder, Source, TargetKind
from sla.models import Calendar
from tenants.models import Tenant
from tenants.roles import Role

SOURCES = [Source.SLA_BREACH, Source.CLIENT_REQUEST, Source.AGENT]
FOUR_BH = timedelta(hours=4)


def _role(name: str, role: str) -> dict[str, Any]:
    return {"name": name, "target_kind": TargetKind.ROLE, "target_role": role}


def _tier(tier: int, name: str) -> dict[str, Any]:
    return {"name": name, "target_kind": TargetKind.TIER, "target_tier": tier}


LADDERS: dict[str, tuple[str, list[dict[str, Any]]]] = {
    # "One escalation manager reviews client escalation requests."
    "bitcraft": ("Escalation manager", [_role("Escalation manager", Role.MANAGER)]),
    # "Support team -> account manager -> support management", each within 4 bh.
    "bytez": (
        "Support team, account manager, support management",
        [
            _role("Support team (team lead)", Role.TEAM_LEAD),
            {"name": "Account manager", "target_kind": TargetKind.ACCOUNT_MANAGER},
            _role("Support management", Role.EXECUTIVE),
        ],
    ),
    # Tier 1 frontline -> Tier 2 specialised technicians -> Tier 3 senior engineers; the
    # ticket's tier (and so its queue) moves with each level.
    "ionetech": (
        "Support tiers",
        [_tier(1, "Tier 1 frontline"), _tier(2, "Tier 2 specialised technicians"),
         _tier(3, "Tier 3 senior engineers / management")],
    ),  # fmt: skip
    # "1 support team lead -> 2 department manager -> 3 executive management".
    "cloudops": (
        "Team lead, department manager, executive",
        [_role("Support team lead", Role.TEAM_LEAD),
         _role("Department manager", Role.MANAGER),
         _role("Executive management", Role.EXECUTIVE)],
    ),  # fmt: skip
}


def _business_calendar(tenant: Tenant) -> Calendar | None:
    return Calendar.objects.for_tenant(tenant).filter(always_open=False).order_by("pk").first()


@transaction.atomic
def load_demo_ladders(*, tenant: Tenant) -> EscalationLadder | None:
    """Create the tenant's seed ladder if it is missing (idempotent: an existing ladder of the
    same name is left as the tenant admin may have changed it)."""
    if tenant.slug not in LADDERS:
        return None
    name, levels = LADDERS[tenant.slug]
    found = EscalationLadder.objects.for_tenant(tenant).filter(name=name).first()
    if found is not None:
        return found
    ladder = configuration.ladder_save(
        tenant=tenant, data={"name": name, "sources": SOURCES, "priority": None}
    )
    calendar = _business_calendar(tenant)
    for position, spec in enumerate(levels, start=1):
        configuration.level_save(
            tenant=tenant, ladder=ladder,
            data={"position": position, "acknowledge_within": FOUR_BH, "calendar": calendar,
                  **spec},
        )  # fmt: skip
    return ladder
