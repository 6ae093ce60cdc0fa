"""The outbound core: rows written in the caller's transaction, in-app delivered at once,
other transports by a task after commit and at most once, retries; the header badge and the
notifications page."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications.outbound import services
from notifications.outbound.models import Delivery, DeliveryStatus, Notification
from tests.conftest import login_as

from . import fake_transport

TRANSPORTS = {
    "in_app": "notifications.outbound.transports.in_app",
    "fake": "tests.notifications.fake_transport",
}


@pytest.fixture
def fake(settings):
    settings.NOTIFICATION_TRANSPORTS = TRANSPORTS
    fake_transport.SENT.clear()
    return fake_transport.SENT


def send(tenant, recipients, subject="Hello", **kwargs):
    return services.notification_send(
        tenant=tenant, recipients=recipients, kind="test", subject=subject, body="Body",
        link="/queue/", **kwargs,
    )  # fmt: skip


@pytest.mark.django_db
def test_rows_roll_back_with_the_change_that_caused_them(tenant, agent):
    with pytest.raises(RuntimeError), transaction.atomic():
        send(tenant, [agent])
        raise RuntimeError("the change failed")
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_in_app_is_delivered_with_the_row_and_only_to_members(tenant, agent, manager):
    from notifications.outbound.selectors import unread_count

    send(tenant, [agent, agent, manager, "someone@example.com"])
    assert Notification.objects.count() == 3  # duplicates dropped
    # The notification row is the in-app delivery: in the members' inboxes at once, and no
    # delivery row (nor task) for it; the bare address has no inbox.
    assert unread_count(tenant=tenant, membership=agent) == 1
    assert unread_count(tenant=tenant, membership=manager) == 1
    assert not Delivery.objects.filter(transport="in_app").exists()


@pytest.mark.django_db(transaction=True)
def test_a_queued_transport_sends_after_commit_once(tenant, agent, fake):
    with transaction.atomic():
        (notification,) = send(tenant, [agent])
        assert fake == []  # nothing leaves before commit
    delivery = Delivery.objects.get(transport="fake")
    assert fake == [notification.pk]
    assert delivery.status == DeliveryStatus.SENT and delivery.provider_message_id
    assert delivery.attempts == 1
    # Handed the same id again (a duplicate task): skipped, not sent twice.
    assert services.delivery_attempt(tenant=tenant, delivery_id=delivery.pk) == "skipped"
    assert fake == [notification.pk]


@pytest.mark.django_db(transaction=True)
def test_two_workers_with_the_same_delivery_send_it_once(tenant, agent, monkeypatch, fake):
    # Queue nothing: the two workers are the test's own threads.
    monkeypatch.setattr(services, "_enqueue", lambda pending: None)
    (notification,) = send(tenant, [agent])
    delivery = Delivery.objects.get(transport="fake")
    barrier = threading.Barrier(2)
    results = []

    def worker():
        barrier.wait(timeout=10)
        results.append(services.delivery_attempt(tenant=tenant, delivery_id=delivery.pk))
        connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == ["sent", "skipped"]
    assert fake == [notification.pk]
    assert connection.vendor == "postgresql"


@pytest.mark.django_db(transaction=True)
def test_a_transient_failure_is_retried_by_the_sweep(tenant, agent, fake):
    (notification,) = send(tenant, [agent], subject="flaky")
    delivery = Delivery.objects.get(transport="fake")
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert delivery.last_error == "try later" and delivery.next_attempt_at > timezone.now()
    assert services.deliveries_retry_due_cross_tenant() == 0  # not due yet
    later = delivery.next_attempt_at + timedelta(seconds=1)
    assert services.deliveries_retry_due_cross_tenant(now=later) == 1
    # The eager task ran at real "now", before the backoff: still pending; attempt it due.
    assert services.delivery_attempt(tenant=tenant, delivery_id=delivery.pk, at=later) == "sent"
    assert notification.pk in fake


@pytest.mark.django_db(transaction=True)
def test_a_permanent_failure_is_recorded(tenant, agent, fake):
    send(tenant, [agent], subject="broken")
    delivery = Delivery.objects.get(transport="fake")
    assert delivery.status == DeliveryStatus.FAILED
    assert "no such mailbox" in delivery.last_error


@pytest.mark.django_db
def test_the_header_counts_unread_with_one_query(client, tenant, agent, manager):
    send(tenant, [agent], subject="One")
    send(tenant, [agent], subject="Two")
    send(tenant, [manager], subject="Not yours")
    login_as(client, agent)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/queue/")
    counting = [q for q in queries if "outbound_notification" in q["sql"]]
    assert len(counting) == 1
    assert 'id="notifications-unread">2<' in page.content.decode()


@pytest.mark.django_db
def test_a_client_reaches_their_notifications_from_the_portal(client, tenant, client_user):
    # Clients are notified in-app too (an escalation's acknowledgement, say): the portal's
    # header links to them with the unread count.
    send(tenant, [client_user], subject="Your escalation was acknowledged")
    login_as(client, client_user)
    page = client.get("/tickets/").content.decode()
    assert 'href="/notifications/"' in page and 'id="notifications-unread">1<' in page
    listed = client.get("/notifications/").content.decode()
    assert "Your escalation was acknowledged" in listed


@pytest.mark.django_db
def test_the_notifications_page_lists_and_marks_read(client, tenant, agent, manager):
    (mine,) = send(tenant, [agent], subject="For the agent")
    (theirs,) = send(tenant, [manager], subject="For the manager")
    login_as(client, agent)
    page = client.get("/notifications/").content.decode()
    assert "For the agent" in page and "For the manager" not in page
    assert client.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    response = client.post(f"/notifications/{mine.pk}/read/", {"next": "/queue/"})
    assert response.status_code == 302 and response["Location"] == "/queue/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    send(tenant, [agent], subject="Another")
    client.post("/notifications/read-all/")
    assert not Notification.objects.filter(recipient=agent, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.django_db
def test_templates_come_in_threes(tenant, agent):
    rendered = services.notification_render(
        kind="escalation_opened",
        context={"reference": "ACM-1", "ticket_subject": "Down", "customer": "Initech",
                 "level_number": 1, "level_name": "Lead", "source": "Agent", "reason": "<b>x</b>",
                 "acknowledge_by": "Tue 3 Mar, 12:00 (America/New_York)"},
    )  # fmt: skip
    assert rendered.subject == "Escalated: ACM-1 Down"
    assert "<b>x</b>" in rendered.body and "&lt;b&gt;x&lt;/b&gt;" in rendered.body_html


@pytest.mark.django_db(transaction=True)
def test_the_delivery_task_runs_under_its_tenants_guard(tenant, other_tenant, agent, fake):
    """The worker delivers inside tenant_scope: a query on tenant data not scoped to the
    delivery's tenant fails the delivery (recorded), it cannot read another tenant's rows."""
    original = fake_transport.deliver
    seen = []

    def nosy(delivery):
        from tenants.scoping import current_tenant

        seen.append(current_tenant())
        Notification.objects.count()  # unscoped: refused inside the guard
        return original(delivery)

    fake_transport.deliver = nosy
    try:
        (notification,) = send(tenant, [agent], subject="unscoped read")  # the task runs on commit
    finally:
        fake_transport.deliver = original
    assert seen == [tenant]
    delivery = Delivery.objects.get(notification=notification, transport="fake")
    assert delivery.status == DeliveryStatus.FAILED
    assert "Unscoped" in delivery.last_error or "scope" in delivery.last_error.lower()
    assert notification.pk not in fake


@pytest.mark.django_db
def test_the_notifications_page_shows_times_in_the_readers_zone(client, tenant, agent):
    """Like every other page: the reader's own zone, else the tenant's; never bare UTC."""
    tenant.time_zone = "America/New_York"
    tenant.save(update_fields=["time_zone"])
    at = datetime(2026, 3, 2, 21, 5, tzinfo=UTC)  # 16:05 in New York, 06:05 next day in Tokyo
    send(tenant, [agent], subject="Timed", at=at)
    login_as(client, agent)
    page = client.get("/notifications/").content.decode()
    assert "16:05" in page and "America/New_York" in page
    assert "21:05" not in page
    agent.user.time_zone = "Asia/Tokyo"
    agent.user.save(update_fields=["time_zone"])
    page = client.get("/notifications/").content.decode()
    assert "06:05" in page and "Asia/Tokyo" in page
