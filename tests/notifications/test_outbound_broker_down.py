"""Redis (the broker) down while a ticket is created: the request answers normally, the
acknowledgement's email row waits (pending, due), and the retry sweep delivers it exactly
once when the broker is back. Nothing lost, nothing sent twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from helpdesk.celery import app
from notifications.outbound.models import Delivery, DeliveryStatus
from notifications.outbound.services import deliveries_retry_due_cross_tenant
from tests.conftest import login_as
from tests.tickets.factories import category, sla_config
from tickets.models import Ticket


@pytest.fixture
def dead_broker(monkeypatch):
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    monkeypatch.setitem(app.conf, "broker_url", "redis://127.0.0.1:1/0")  # nothing listens
    monkeypatch.setitem(app.conf, "broker_connection_timeout", 0.5)
    app._pool = None
    yield
    app._pool = None


@pytest.mark.django_db(transaction=True)
def test_a_dead_broker_delays_the_email_and_it_is_sent_exactly_once_later(
    client, settings, customer, client_user, dead_broker, monkeypatch, time_machine
):
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    sla_config(customer.tenant, customer.plan)
    category(customer.tenant)
    login_as(client, client_user)
    response = client.post("/tickets/new/", {
        "subject": "Broken", "description": "It broke at 09:14 after the update",
        "priority": "critical", "category": "technical",
    })  # fmt: skip
    assert response.status_code == 302  # the client is not told to try again
    ticket = Ticket.objects.get()
    delivery = Delivery.objects.get(transport="email")
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 0
    assert mail.outbox == []
    message_id = delivery.message_id

    monkeypatch.setitem(app.conf, "task_always_eager", True)  # the broker is back
    time_machine.move_to(timezone.now() + timedelta(minutes=1), tick=False)
    assert deliveries_retry_due_cross_tenant() == 1
    (email,) = mail.outbox
    assert f"[{ticket.reference}]" in email.subject and email.to == [client_user.user.email]
    assert email.extra_headers["Message-ID"] == message_id
    assert deliveries_retry_due_cross_tenant() == 0  # exactly once
    time_machine.move_to(timezone.now() + timedelta(hours=2), tick=False)
    assert deliveries_retry_due_cross_tenant() == 0
    assert len(mail.outbox) == 1
    assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SENT
