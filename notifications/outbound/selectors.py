"""Reading a member's notifications."""

from __future__ import annotations

from django.db.models import QuerySet

from tenants.models import Membership, Tenant

from .models import Delivery, EmailTemplateOverride, Notification, Suppression


def unread_count(*, tenant: Tenant, membership: Membership) -> int:
    return (
        Notification.objects.for_tenant(tenant)
        .filter(recipient=membership, read_at__isnull=True)
        .count()
    )


def notification_list(*, tenant: Tenant, membership: Membership) -> QuerySet[Notification]:
    return Notification.objects.for_tenant(tenant).filter(recipient=membership)


def email_deliveries_of_topic(*, tenant: Tenant, topic: str) -> QuerySet[Delivery]:
    """The email deliveries of everything sent about `topic` ("ticket:42"), newest first:
    the ticket page's "email delivery" list."""
    return (
        Delivery.objects.for_tenant(tenant)
        .filter(transport="email", notification__topic=topic)
        .select_related("notification")
        .order_by("-created_at", "-id")
    )


def suppression_list(*, tenant: Tenant) -> QuerySet[Suppression]:
    return Suppression.objects.for_tenant(tenant)


def template_overrides(*, tenant: Tenant) -> dict[str, EmailTemplateOverride]:
    return {o.event: o for o in EmailTemplateOverride.objects.for_tenant(tenant)}
