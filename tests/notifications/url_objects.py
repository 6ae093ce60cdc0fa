"""Objects for the route-walking isolation tests: inbound email of a tenant."""

from __future__ import annotations

from notifications.inbound.models import InboundEmail, InboundSettings, InboundStatus


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


URL_OBJECTS = {
    "inbound_id": held_inbound,
    "admin:inbound.inboundsettings": inbound_settings,
}
