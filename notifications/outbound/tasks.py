"""Thin tasks: load by id, call a service (per-tenant work runs in `tenant_scope`)."""

from __future__ import annotations

from celery import shared_task

from tenants.models import Tenant
from tenants.scoping import tenant_scope

from . import services


@shared_task(name="notifications.outbound.delivery_send", ignore_result=True)
def delivery_send(tenant_id: int, delivery_id: int) -> str:
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is None:
        return "skipped"
    with tenant_scope(tenant):
        return services.delivery_attempt(tenant=tenant, delivery_id=delivery_id)


@shared_task(name="notifications.outbound.deliveries_send", ignore_result=True)
def deliveries_send(groups: list[tuple[int, list[int]]]) -> int:
    """Deliveries of one or more tenants, [(tenant id, [delivery ids])], one after the other,
    each tenant's under its `tenant_scope` (each row claimed on its own, so a row handed out
    twice is still sent once). Returns how many were sent."""
    sent = 0
    tenants = Tenant.objects.in_bulk([tenant_id for tenant_id, _ids in groups])
    for tenant_id, delivery_ids in groups:
        tenant = tenants.get(tenant_id)
        if tenant is None:
            continue
        with tenant_scope(tenant):  # a query not scoped to this tenant raises
            for delivery_id in delivery_ids:
                sent += services.delivery_attempt(tenant=tenant, delivery_id=delivery_id) == "sent"
    return sent


@shared_task(name="notifications.outbound.deliveries_retry_due", ignore_result=True)
def deliveries_retry_due() -> int:
    return services.deliveries_retry_due_cross_tenant()
