"""The issue's "Done when" for outbound email, on the seeded BytezTech tenant: a raw email
through the SendGrid webhook makes one ticket whose requester gets ONE acknowledgement (an
outbox row now) with the tracking number in the subject, Reply-To the reply address and
Auto-Submitted; the requester's reply to it (In-Reply-To = its Message-ID) threads in; an
agent's public reply emails the requester once."""

from __future__ import annotations

import pytest
from django.core import mail

from demo.data import DEMO_TENANTS, load_demo_tenant
from notifications.outbound.models import Delivery, DeliveryStatus, Notification
from notifications.outbound.tokens import reply_address
from tenants.models import Membership
from tickets import services
from tickets.models import Message, Ticket

from .inbound.conftest import inbound_settings  # noqa: F401 - autouse: secrets, domain
from .inbound.esp import post_sendgrid
from .inbound.mail import raw_email

CLIENT = "client@standard.bytez.example"
SUPPORT = "support@bytez.example"


@pytest.fixture
def bytez(db, settings):
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    return load_demo_tenant(next(s for s in DEMO_TENANTS if s.slug == "bytez"))


def test_done_when_outbound(bytez, client, django_capture_on_commit_callbacks):
    first = raw_email(sender=CLIENT, to=SUPPORT, subject="Printer offline",
                      message_id="<first-1@standard.bytez.example>")  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        assert post_sendgrid(client, first, recipient=SUPPORT, sender=CLIENT).status_code == 200
    (ticket,) = Ticket.objects.for_tenant(bytez).filter(channel="email")

    # ONE acknowledgement, through the outbox: a Notification and a sent email Delivery.
    (ack,) = mail.outbox
    topic = f"ticket:{ticket.pk}"
    (notification,) = Notification.objects.for_tenant(bytez).filter(topic=topic)
    (delivery,) = Delivery.objects.for_tenant(bytez).filter(notification=notification)
    assert delivery.transport == "email" and notification.recipient_email == CLIENT
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 1
    assert ack.to == [CLIENT]
    assert ack.subject.startswith(f"[{ticket.reference}] ")
    assert ack.reply_to == [reply_address(tenant_id=bytez.pk, ticket_id=ticket.pk)]
    assert ack.extra_headers["Auto-Submitted"] == "auto-replied"
    assert ack.extra_headers["Message-ID"] == delivery.message_id
    assert ack.extra_headers["In-Reply-To"] == "<first-1@standard.bytez.example>"

    # The requester's reply to it threads in by In-Reply-To (sent to the support address,
    # not the reply address: the Message-ID alone ties it to the ticket).
    reply = raw_email(sender=CLIENT, to=SUPPORT, subject="Still offline",
                      headers={"In-Reply-To": ack.extra_headers["Message-ID"]})  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        assert post_sendgrid(client, reply, recipient=SUPPORT, sender=CLIENT).status_code == 200
    assert Ticket.objects.for_tenant(bytez).filter(channel="email").count() == 1
    (message,) = Message.objects.for_tenant(bytez).filter(ticket=ticket)
    assert message.author_email == CLIENT and message.channel == "email"
    assert len(mail.outbox) == 1  # replies are not acknowledged

    # An agent's public reply emails the requester once.
    agent = (
        Membership.objects.for_tenant(bytez)
        .filter(role="agent", is_active=True)
        .select_related("user").order_by("pk").first()
    )  # fmt: skip
    assert agent is not None and agent.is_staff_member
    ticket.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_reply(tenant=bytez, ticket=ticket, author=agent, body="Restart it.")
    answers = [e for e in mail.outbox[1:] if e.to == [CLIENT]]
    assert len(answers) == 1 and len(mail.outbox) == 2
    (answer,) = answers
    assert answer.subject.startswith(f"[{ticket.reference}] ")
    assert answer.reply_to == ack.reply_to
    assert "Restart it." in answer.body
