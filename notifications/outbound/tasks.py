"""Thin tasks: load by id, call a service."""

from __future__ import annotations

from celery import shared_task

from tenants.models import Tenant

from . import services


@shared_task(name="notifications.outbound.delivery_send", ignore_result=True)
def delivery_send(tenant_id: int, delivery_id: int) -> str:
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is None:
        return "skipped"
    return services.delivery_attempt(tenant=tenant, delivery_id=delivery_id)


@shared_task(name="notifications.outbound.deliveries_retry_due", ignore_result=True)
def deliveries_retry_due() -> int:
    return services.deliveries_retry_due_cross_tenant()
