"""The issue's "Done when", on the seeded BytezTech tenant, through SendGrid and Mailgun."""

from __future__ import annotations

import pytest
from django.core import mail

from demo.data import DEMO_TENANTS, load_demo_tenant
from notifications.inbound.models import InboundEmail, InboundStatus
from tickets.models import Message, Ticket

from .esp import ALL_ESPS
from .mail import raw_email

CLIENT = "client@standard.bytez.example"
OTHER_CUSTOMER = "client@premium.bytez.example"
SUPPORT = "support@bytez.example"


@pytest.fixture
def bytez(db):
    return load_demo_tenant(next(s for s in DEMO_TENANTS if s.slug == "bytez"))


def email_tickets(tenant):
    return Ticket.objects.for_tenant(tenant).filter(channel="email")


@pytest.mark.parametrize("esp", sorted(ALL_ESPS))
def test_done_when(esp, bytez, client, django_capture_on_commit_callbacks):
    post = ALL_ESPS[esp]
    first = raw_email(sender=CLIENT, to=SUPPORT, subject="VPN keeps dropping")
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, first, recipient=SUPPORT, sender=CLIENT)
    assert response.status_code == 200

    # One ticket, whose requester gets one acknowledgement with the tracking number.
    (ticket,) = email_tickets(bytez)
    assert ticket.requester.user.email == CLIENT
    assert ticket.subject == "VPN keeps dropping"
    assert len(mail.outbox) == 1
    ack = mail.outbox[0]
    assert ack.to == [CLIENT]
    assert f"[{ticket.reference}]" in ack.subject
    assert ack.extra_headers["Auto-Submitted"] == "auto-replied"
    assert ack.reply_to[0].startswith("reply+") and ack.reply_to[0].endswith("@in.helpdesk.test")

    # A duplicate delivery changes nothing.
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, first, recipient=SUPPORT, sender=CLIENT).status_code == 200
    assert email_tickets(bytez).count() == 1
    assert len(mail.outbox) == 1
    assert InboundEmail.objects.filter(status=InboundStatus.DUPLICATE).count() == 1

    # The requester's reply to the acknowledgement threads in (to its Reply-To address).
    reply = raw_email(
        sender=CLIENT, to=ack.reply_to[0], subject=f"Re: {ack.subject}",
        body="It dropped again at 10:05.\n\nOn Sun, 29 Nov 2026 someone wrote:\n> old text\n",
        headers={"In-Reply-To": ack.extra_headers["Message-ID"]},
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, reply, recipient=ack.reply_to[0], sender=CLIENT).status_code == 200
    (message,) = Message.objects.filter(ticket=ticket)
    assert message.body_text == "It dropped again at 10:05."
    assert message.channel == "email"
    assert len(mail.outbox) == 1  # replies are not acknowledged

    # The same subject tag from another customer's address does not thread in.
    hijack = raw_email(sender=OTHER_CUSTOMER, to=SUPPORT, subject=f"Re: [{ticket.reference}] hi")
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, hijack, recipient=SUPPORT, sender=OTHER_CUSTOMER).status_code == 200
    assert Message.objects.filter(ticket=ticket).count() == 1
    assert email_tickets(bytez).count() == 2  # it became a ticket of its own customer
    other = email_tickets(bytez).exclude(pk=ticket.pk).get()
    assert other.customer_id != ticket.customer_id

    # An auto-reply makes nothing and gets no answer.
    sent = len(mail.outbox)
    auto = raw_email(sender=CLIENT, to=SUPPORT, subject="Out of office",
                     headers={"Auto-Submitted": "auto-replied"})
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, auto, recipient=SUPPORT, sender=CLIENT).status_code == 200
    assert email_tickets(bytez).count() == 2
    assert len(mail.outbox) == sent
    assert InboundEmail.objects.filter(status=InboundStatus.IGNORED).count() == 1
