"""The broker down when a delivery arrives: the webhook still answers 200 with the row
stored, and the re-queue job parses it once the broker is back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from helpdesk.celery import app
from notifications.inbound.models import InboundEmail, InboundStatus
from notifications.inbound.tasks import inbound_requeue_stale_cross_tenant
from tickets.models import Ticket

from .conftest import SUPPORT
from .esp import post_sendgrid
from .mail import raw_email

CLIENT = "client@initech.example"


@pytest.fixture
def dead_broker(monkeypatch):
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    monkeypatch.setitem(app.conf, "broker_url", "redis://127.0.0.1:1/0")  # nothing listens
    monkeypatch.setitem(app.conf, "broker_connection_timeout", 0.5)
    app._pool = None
    yield
    app._pool = None


@pytest.mark.django_db(transaction=True)
def test_a_dead_broker_loses_nothing_and_the_mail_is_parsed_later(
    acme, dead_broker, monkeypatch, time_machine
):
    response = post_sendgrid(Client(), raw_email(sender=CLIENT, to=SUPPORT),
                             recipient=SUPPORT, sender=CLIENT)
    assert response.status_code == 200
    row = InboundEmail.objects.get()
    assert row.status == InboundStatus.RECEIVED and not Ticket.objects.exists()

    monkeypatch.setitem(app.conf, "task_always_eager", True)  # the broker is back
    time_machine.move_to(timezone.now() + timedelta(minutes=3), tick=False)
    assert inbound_requeue_stale_cross_tenant() == 1
    assert Ticket.objects.count() == 1 and len(mail.outbox) == 1
    assert inbound_requeue_stale_cross_tenant() == 0  # exactly once
