"""Reading a member's notifications."""

from __future__ import annotations

from django.db.models import QuerySet

from tenants.models import Membership, Tenant

from .models import Notification


def unread_count(*, tenant: Tenant, membership: Membership) -> int:
    return (
        Notification.objects.for_tenant(tenant)
        .filter(recipient=membership, read_at__isnull=True)
        .count()
    )


def notification_list(*, tenant: Tenant, membership: Membership) -> QuerySet[Notification]:
    return Notification.objects.for_tenant(tenant).filter(recipient=membership)
