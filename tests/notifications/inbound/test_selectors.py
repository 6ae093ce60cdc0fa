"""The intake's written-out reads give what the scoped ORM queries give."""

from __future__ import annotations

import itertools
from datetime import timedelta

from django.utils import timezone

from notifications.inbound import selectors
from notifications.inbound.classify import mailbox_key
from notifications.inbound.models import InboundEmail, InboundSettings, InboundStatus
from sla.models import Priority
from tests.tickets.factories import sla_config

SENDER = "Someone@Initech.example"
_ids = itertools.count()


def row(tenant, *, sender=SENDER, ago=0, status=InboundStatus.TICKET_CREATED, ack_to="",
        ack_ago=None) -> InboundEmail:  # fmt: skip
    now = timezone.now()
    return InboundEmail.objects.create(
        tenant=tenant, esp="test", message_id=f"<{next(_ids)}@x.example>", from_address=sender,
        status=status, received_at=now - timedelta(minutes=ago), ack_to=ack_to,
        ack_mailbox=mailbox_key(ack_to) if ack_to else "",
        ack_at=None if ack_ago is None else now - timedelta(minutes=ack_ago),
    )  # fmt: skip


def test_intake_counts_are_the_orm_counts(tenant, other_tenant):
    lower = SENDER.lower()
    row(tenant)
    row(tenant, ago=30, ack_to=lower, ack_ago=29)
    row(tenant, ago=90, ack_to=lower, ack_ago=89)  # both outside the hour
    row(tenant, ago=20, ack_to="someone+tag@initech.example", ack_ago=19)  # the same mailbox
    row(tenant, status=InboundStatus.DUPLICATE)  # duplicates are not counted
    row(tenant, sender="other@initech.example", ack_to="other@initech.example", ack_ago=5)
    row(tenant, sender=lower)  # the address as stored differs in case: not the sender's
    row(other_tenant, ack_to=lower, ack_ago=1)  # another tenant's
    row(other_tenant)
    now = timezone.now()
    for sender_since, acks_since in [
        (now - timedelta(hours=1), now - timedelta(hours=1)),
        (now - timedelta(minutes=10), now - timedelta(hours=2)),
    ]:
        counts = selectors.intake_counts(
            tenant=tenant, sender=SENDER, sender_since=sender_since, acks_since=acks_since
        )
        assert counts == selectors.IntakeCounts(
            selectors.sender_count_since(tenant=tenant, sender=SENDER, since=sender_since),
            selectors.acks_since(tenant=tenant, since=acks_since, recipient=lower),
            selectors.acks_since(tenant=tenant, since=acks_since),
        )
    assert counts == selectors.IntakeCounts(1, 3, 4)


def test_the_intake_settings_are_read_fresh(tenant, other_tenant, customer):
    """Read for every delivery (no cache): a change is seen by the next one."""
    priorities = sla_config(tenant)
    defaults = selectors.inbound_settings_get(tenant=tenant)
    assert defaults.pk is None and defaults.tenant == tenant and defaults.acknowledge
    InboundSettings.objects.create(tenant=other_tenant, acknowledge=False)
    assert selectors.inbound_settings_get(tenant=tenant).pk is None  # not another tenant's
    saved = InboundSettings.objects.create(
        tenant=tenant, unknown_sender_action="catch_all", catch_all_customer=customer,
        require_known_senders=True, default_priority=priorities["high"], acknowledge=False,
    )  # fmt: skip
    found = selectors.inbound_settings_get(tenant=tenant)
    for field in InboundSettings._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(saved, field.attname)
    assert found.catch_all_customer == customer and found.tenant is tenant
    assert selectors.default_priority_get(tenant=tenant, settings=found) == priorities["high"]
    InboundSettings.objects.filter(pk=saved.pk).update(default_priority=None, acknowledge=True)
    found = selectors.inbound_settings_get(tenant=tenant)
    assert found.acknowledge
    least_urgent = Priority.objects.filter(tenant=tenant).order_by("-order").first()
    assert selectors.default_priority_get(tenant=tenant, settings=found) == least_urgent
