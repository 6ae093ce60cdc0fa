"""The email transport of the outbox: a stable Message-ID written on the row before sending,
at most once, retries with backoff, a lost worker's row retried with the same Message-ID,
suppression from the tracking webhooks, sandboxed per-tenant templates."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from notifications.outbound import services
from notifications.outbound.models import (
    Delivery,
    DeliveryStatus,
    EmailTemplateOverride,
    Notification,
    Suppression,
)
from notifications.outbound.tokens import message_id_ours
from tests.conftest import login_as

from .inbound.conftest import inbound_settings  # noqa: F401 - autouse: webhook secret
from .inbound.esp import basic_auth

ADDRESS = "someone@client.example"


@pytest.fixture(autouse=True)
def anymail_test_backend(settings):
    # Django's test setup swaps in locmem; send through anymail's own test backend instead,
    # so `anymail_status` (the provider's message id) is real. It also fills mail.outbox.
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"


def send(tenant, *, to=ADDRESS, subject="[ACME-1] Hello", **kwargs):
    return services.notification_send(
        tenant=tenant, recipients=[to], kind="email_test", subject=subject, body="Body",
        body_html="<p>Body</p>", topic="ticket:7", thread_id=7,
        reply_to="reply+7-abc@in.helpdesk.test", **kwargs,
    )  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_the_message_id_is_on_the_row_before_sending_and_the_mail_carries_it(tenant):
    with transaction.atomic():
        (notification,) = send(tenant)
        delivery = Delivery.objects.get(transport="email")
        # Written with the row, before any attempt: signed for the tenant and the thread.
        assert delivery.status == DeliveryStatus.PENDING and delivery.message_id
        assert message_id_ours(delivery.message_id) == (tenant.pk, 7)
        assert mail.outbox == []  # nothing leaves before commit
    (email,) = mail.outbox
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 1
    assert email.extra_headers["Message-ID"] == delivery.message_id
    assert email.extra_headers["Auto-Submitted"] == "auto-replied"
    assert email.reply_to == ["reply+7-abc@in.helpdesk.test"]
    assert email.to == [ADDRESS] and email.subject == "[ACME-1] Hello"
    assert email.alternatives[0][0] == "<p>Body</p>"
    # The id anymail returned is stored: the tracking webhooks find the row by it.
    assert delivery.provider_message_id == str(email.anymail_status.message_id)
    # Handed the same row again (a duplicate task): skipped, not sent twice.
    assert services.delivery_attempt(tenant=tenant, delivery_id=delivery.pk) == "skipped"
    assert len(mail.outbox) == 1
    # A member recipient without an email kind gets in-app only.
    assert not Delivery.objects.filter(notification__recipient__isnull=False).exists()
    assert notification.automatic


@pytest.mark.django_db(transaction=True)
def test_person_written_mail_has_no_auto_submitted(tenant):
    send(tenant, automatic=False)
    (email,) = mail.outbox
    assert "Auto-Submitted" not in email.extra_headers


@pytest.mark.django_db(transaction=True)
def test_a_network_error_is_retried_with_backoff_and_the_same_message_id(tenant, monkeypatch):
    real_send = EmailMultiAlternatives.send
    calls = []

    def flaky(self, *args, **kwargs):
        calls.append(self.extra_headers["Message-ID"])
        if len(calls) == 1:
            raise ConnectionError("ESP unreachable")
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", flaky)
    send(tenant)
    delivery = Delivery.objects.get(transport="email")
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert "ESP unreachable" in delivery.last_error
    assert delivery.next_attempt_at >= timezone.now() + timedelta(minutes=1)  # backoff
    assert services.deliveries_retry_due_cross_tenant() == 0  # not due yet
    later = delivery.next_attempt_at + timedelta(seconds=1)
    assert services.deliveries_retry_due_cross_tenant(now=later) == 1
    assert services.delivery_attempt(tenant=tenant, delivery_id=delivery.pk, at=later) == "sent"
    assert len(mail.outbox) == 1 and calls[0] == calls[1] == delivery.message_id


@pytest.mark.django_db(transaction=True)
def test_a_row_a_dead_worker_left_sending_is_retried_once_with_the_same_message_id(
    tenant, monkeypatch, time_machine
):
    monkeypatch.setattr(services, "_enqueue", lambda pending: None)  # the task is lost
    send(tenant)
    delivery = Delivery.objects.get(transport="email")
    # A worker claimed it and died before recording anything.
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENDING, attempts=1, next_attempt_at=timezone.now()
    )
    monkeypatch.undo()
    assert services.deliveries_retry_due_cross_tenant() == 0  # within the lease: left alone
    assert mail.outbox == []
    time_machine.move_to(timezone.now() + services.SENDING_LEASE + timedelta(minutes=1))
    assert services.deliveries_retry_due_cross_tenant() == 1
    (email,) = mail.outbox
    assert email.extra_headers["Message-ID"] == delivery.message_id  # the ESP can dedupe
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 2
    assert services.deliveries_retry_due_cross_tenant() == 0
    assert len(mail.outbox) == 1


def sendgrid_tracking(client, events):
    return client.post(
        "/anymail/sendgrid/tracking/", data=json.dumps(events), content_type="application/json",
        HTTP_AUTHORIZATION=basic_auth(),
    )  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_tracking_webhooks_record_status_and_a_bounce_suppresses_until_lifted(
    tenant, tenant_admin, agent
):
    send(tenant)
    delivery = Delivery.objects.get(transport="email")
    provider_id = delivery.provider_message_id
    response = sendgrid_tracking(Client(), [
        {"event": "delivered", "email": ADDRESS, "timestamp": 1764400000,
         "anymail_id": provider_id, "response": "250 OK"},
    ])  # fmt: skip
    assert response.status_code == 200
    delivery.refresh_from_db()
    assert delivery.tracking_status == "delivered" and delivery.tracking_detail == "250 OK"
    assert not Suppression.objects.exists()

    sendgrid_tracking(Client(), [
        {"event": "bounce", "email": ADDRESS, "timestamp": 1764400100,
         "anymail_id": provider_id, "reason": "550 5.1.1 No such user", "type": "bounce"},
    ])  # fmt: skip
    delivery.refresh_from_db()
    assert delivery.tracking_status == "bounced"
    (suppression,) = Suppression.objects.for_tenant(tenant)
    assert suppression.email == ADDRESS and suppression.reason == "bounced"

    # Later mail to the address is marked suppressed, not sent.
    send(tenant, to=ADDRESS.upper(), subject="[ACME-1] Again")
    later = Delivery.objects.filter(transport="email").latest("id")
    assert later.status == DeliveryStatus.SUPPRESSED and len(mail.outbox) == 1

    # The settings page shows it to an admin, who lifts it; agents cannot.
    client = Client()
    login_as(client, agent)
    assert client.get("/settings/notifications/suppressions/").status_code in (403, 404)
    login_as(client, tenant_admin)
    page = client.get("/settings/notifications/suppressions/")
    assert page.status_code == 200 and ADDRESS in page.content.decode()
    lift = reverse("notifications:suppression_lift", args=[suppression.pk])
    assert client.post(lift).status_code == 302
    assert not Suppression.objects.exists()
    send(tenant, subject="[ACME-1] Third")
    assert len(mail.outbox) == 2


@pytest.mark.django_db(transaction=True)
def test_a_complaint_suppresses_only_in_its_tenant(tenant, other_tenant):
    send(tenant)
    provider_id = Delivery.objects.get(transport="email").provider_message_id
    sendgrid_tracking(Client(), [{"event": "spamreport", "email": ADDRESS,
                                  "timestamp": 1764400000, "anymail_id": provider_id}])
    assert Suppression.objects.for_tenant(tenant).filter(reason="complained").exists()
    assert not Suppression.objects.for_tenant(other_tenant).exists()
    send(other_tenant)
    assert Delivery.objects.for_tenant(other_tenant).get().status == DeliveryStatus.SENT


@pytest.mark.django_db
def test_unknown_provider_ids_change_nothing(tenant):
    response = sendgrid_tracking(Client(), [{"event": "bounce", "email": ADDRESS,
                                             "timestamp": 1764400000, "anymail_id": "nope"}])
    assert response.status_code == 200 and not Suppression.objects.exists()


TEMPLATES_URL = "/settings/notifications/templates/"
EDIT_URL = TEMPLATES_URL + "edit/?event=ticket_created"


@pytest.mark.parametrize(
    ("field", "source", "error"),
    [
        ("text", "Hello {% if reference %}", "Unclosed tag"),
        ("text", "{% load static %}{{ reference }}", "not allowed"),
        ("html", '{% include "base.html" %}', "not allowed"),
        ("subject", "{{ settings.SECRET_KEY }}", "Unknown variable"),
        ("text", "{{ reference.__class__ }}", "underscore"),
        ("text", "{{ reference|nosuchfilter }}", "Invalid filter"),
    ],
)
@pytest.mark.django_db
def test_a_bad_template_is_a_400_with_the_error(client, tenant, tenant_admin, field, source,
                                                error):  # fmt: skip
    login_as(client, tenant_admin)
    data = {"subject": "We got {{ reference }}", "text": "Thanks", "html": ""}
    data[field] = source
    response = client.post(EDIT_URL, data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not EmailTemplateOverride.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_tenant_override_is_used_and_autoescaped_and_reset(client, tenant, tenant_admin,
                                                            agent):  # fmt: skip
    login_as(client, agent)
    assert client.get(TEMPLATES_URL).status_code in (403, 404)
    login_as(client, tenant_admin)
    page = client.get(EDIT_URL)
    assert page.status_code == 200 and "tracking number" in page.content.decode()
    response = client.post(EDIT_URL, {
        "subject": "Got it: {{ subject }}",
        "text": "Number {{ reference }} for {{ subject }}.",
        "html": "<p>Number <b>{{ reference }}</b> for {{ subject }}</p>",
    })  # fmt: skip
    assert response.status_code == 302
    services.notification_send_email(
        tenant=tenant, recipients=[ADDRESS], event="ticket_created",
        context={"reference": "ACME-9", "subject": "<script>x</script>", "tenant_name": "Acme",
                 "recipient_known": True, "secret": "not documented"},
    )  # fmt: skip
    (email,) = mail.outbox
    assert email.subject == "[ACME-9] Got it: <script>x</script>"  # plain text: as written
    assert email.body == "Number ACME-9 for <script>x</script>."
    assert "&lt;script&gt;" in email.alternatives[0][0]  # HTML: escaped
    # Reset: back to the files.
    client.post(EDIT_URL, {"reset": "1"})
    assert not EmailTemplateOverride.objects.exists()
    services.notification_send_email(
        tenant=tenant, recipients=[ADDRESS], event="ticket_created",
        context={"reference": "ACME-9", "tenant_name": "Acme"},
    )  # fmt: skip
    assert "tracking number is ACME-9" in mail.outbox[1].body
    assert Notification.objects.count() == 2
