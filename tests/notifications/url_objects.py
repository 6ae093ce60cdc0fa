"""Objects for the route walk: notifications' routes and admin."""

from __future__ import annotations

from notifications.outbound.models import Delivery
from notifications.outbound.services import notification_send
from tenants.roles import Role
from tests.factories import MembershipFactory


def _notification_id(tenant) -> int:
    member = MembershipFactory(tenant=tenant, role=Role.AGENT)
    # The subject carries the tenant's name: the list-page walk looks for it in other
    # tenants' pages.
    (notification,) = notification_send(
        tenant=tenant, recipients=[member], kind="test", subject=f"For {tenant.name}",
        body="Hello", link="/queue/",
    )  # fmt: skip
    return notification.pk


def _delivery_id(tenant) -> int:
    notification_id = _notification_id(tenant)
    return Delivery.objects.for_tenant(tenant).get(notification_id=notification_id).pk


URL_OBJECTS = {
    "notification_id": _notification_id,
    "admin:outbound.notification": _notification_id,
    "admin:outbound.delivery": _delivery_id,
}
