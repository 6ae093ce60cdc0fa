"""Satisfaction ratings in the demo: ionetech promises "customer feedback (satisfaction
rating) after resolution" (seed 002, section 9), so CSAT is on there; the other seeds promise
none, so it stays off for them (a tenant admin switches it on in the admin)."""

from __future__ import annotations

from satisfaction.services import settings_update
from tenants.models import Tenant

CSAT_TENANTS = {"ionetech"}


def load_demo_csat(*, tenant: Tenant) -> None:
    settings_update(
        tenant=tenant, enabled=tenant.slug in CSAT_TENANTS, delay_minutes=60, valid_days=14
    )
