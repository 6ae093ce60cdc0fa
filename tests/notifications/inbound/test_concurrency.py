"""The same message delivered three times at once makes one ticket (real connections)."""

from __future__ import annotations

import threading

import pytest
from django.core import mail
from django.db import connection
from django.test import Client

from notifications.inbound.models import InboundEmail, InboundStatus
from tickets.models import Message, Ticket

from .conftest import SUPPORT
from .esp import post_mailgun, post_sendgrid
from .mail import raw_email

CLIENT = "client@initech.example"


def deliver_at_once(raw: bytes, posts, recipient: str = SUPPORT) -> list[int]:
    barrier = threading.Barrier(len(posts))
    codes: list[int] = []

    def run(post) -> None:
        try:
            client = Client()
            barrier.wait(timeout=10)
            codes.append(post(client, raw, recipient=recipient, sender=CLIENT).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(p,)) for p in posts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return codes


@pytest.mark.django_db(transaction=True)
def test_three_simultaneous_deliveries_make_one_ticket_and_one_acknowledgement(acme):
    raw = raw_email(sender=CLIENT, to=SUPPORT, message_id="<same-message@initech.example>")
    codes = deliver_at_once(raw, [post_sendgrid, post_mailgun, post_sendgrid])
    assert codes == [200, 200, 200]
    assert Ticket.objects.filter(tenant=acme).count() == 1
    rows = InboundEmail.objects.filter(tenant=acme)
    assert rows.count() == 3  # every delivery is kept
    assert rows.filter(status=InboundStatus.DUPLICATE).count() == 2
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_a_reply_delivered_twice_at_once_is_added_once(acme, client_user):
    from tests.tickets.factories import make_ticket

    ticket = make_ticket(client_user)
    raw = raw_email(sender=CLIENT, to=SUPPORT, subject=f"Re: [{ticket.reference}]",
                    message_id="<reply-twice@initech.example>")
    assert deliver_at_once(raw, [post_mailgun, post_mailgun]) == [200, 200]
    rows = list(InboundEmail.objects.values_list("status", "reason", "error"))
    assert Message.objects.filter(ticket=ticket).count() == 1, rows
    assert sorted(r[0] for r in rows) == ["duplicate", "replied"]
