"""Demo: the notice promises of the seed tenants (bytez: policy changes 30 days ahead; its
weekend window, seeded by demo.sla_seeds, gets its client-facing message). Idempotent."""

from __future__ import annotations

from sla.models import MaintenanceWindow, TenantSlaSettings
from tenants.models import Tenant

NOTICE_DAYS = {"bytez": 30}
WINDOW_MESSAGES = {
    ("bytez", "Weekend maintenance"): "Routine updates and patches: the portal and API may be "
    "briefly unavailable. Emergency maintenance for critical security updates may come with "
    "shorter notice.",
}


def load_demo_notices(*, tenant: Tenant) -> None:
    days = NOTICE_DAYS.get(tenant.slug)
    if days is not None:
        TenantSlaSettings.objects.for_tenant(tenant).get_or_create(
            tenant=tenant, defaults={"policy_change_notice_days": days}
        )
    for (slug, name), message in WINDOW_MESSAGES.items():
        if slug == tenant.slug:
            MaintenanceWindow.objects.for_tenant(tenant).filter(name=name, message="").update(
                message=message
            )
