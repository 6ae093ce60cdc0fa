"""Objects for the route walk: notifications' routes and admin (outbound and inbound)."""

from __future__ import annotations

from notifications.inbound.models import InboundEmail, InboundSettings, InboundStatus
from notifications.outbound.models import Delivery, Suppression
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
    """An email delivery (in-app has no delivery row: the notification row is the in-app
    delivery): a bare address is always emailed."""
    (notification,) = notification_send(
        tenant=tenant, recipients=[f"someone@{tenant.slug}.example"], kind="test",
        subject=f"For {tenant.name}", body="Hello",
    )  # fmt: skip
    return Delivery.objects.for_tenant(tenant).get(notification_id=notification.pk).pk


def held_inbound(tenant) -> int:
    count = InboundEmail.objects.for_tenant(tenant).count()
    return InboundEmail.objects.create(
        tenant=tenant,
        esp="SendGrid",
        envelope_recipient="help@example.test",
        from_address="stranger@example.net",
        subject=f"{tenant.name} held message",
        message_id=f"<held-{tenant.pk}-{count}@example.net>",
        raw_mime=b"From: stranger@example.net\r\nSubject: held\r\n\r\nhello\r\n",
        status=InboundStatus.HELD,
        reason="Unknown sender: held for review.",
    ).pk


def inbound_settings(tenant) -> int:
    return InboundSettings.objects.get_or_create(tenant=tenant)[0].pk


def _suppression_id(tenant) -> int:
    return Suppression.objects.create(
        tenant=tenant,
        email=f"bounced-{Suppression.objects.count()}@{tenant.slug}.example",
        reason="bounced",
    ).pk


URL_OBJECTS = {
    "suppression_id": _suppression_id,
    "notification_id": _notification_id,
    "admin:outbound.notification": _notification_id,
    "admin:outbound.delivery": _delivery_id,
    "inbound_id": held_inbound,
    "admin:inbound.inboundsettings": inbound_settings,
}
