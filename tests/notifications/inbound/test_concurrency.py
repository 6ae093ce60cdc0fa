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


@pytest.mark.django_db(transaction=True)
def test_a_new_senders_first_mail_waits_for_a_contact_made_at_the_same_moment(acme):
    """Two first messages of a new sender of a customer's domain, parsed at once: the second
    waits on the unique address the first is inserting, then (the first committed) files its
    ticket for that contact instead of failing."""
    from django.db import transaction

    from notifications.inbound.services import inbound_process_cross_tenant
    from tenants.models import User

    sender = "newcomer@initech.example"
    row = InboundEmail.objects.create(
        tenant=acme, esp="test", message_id="<first@initech.example>", from_address=sender,
        envelope_sender=sender,
        envelope_recipient=SUPPORT, raw_mime=raw_email(
            sender=sender, to=SUPPORT, message_id="<first@initech.example>"),
    )
    inserted, commit = threading.Event(), threading.Event()

    def other_delivery() -> None:  # the concurrent parse, holding its new user uncommitted
        try:
            with transaction.atomic():
                User.objects.create_user(email=sender, password=None)
                inserted.set()
                commit.wait(timeout=30)
        finally:
            connection.close()

    results: list[str | None] = []

    def parse() -> None:
        try:
            results.append(inbound_process_cross_tenant(inbound_id=row.pk))
        finally:
            connection.close()

    other = threading.Thread(target=other_delivery)
    other.start()
    assert inserted.wait(timeout=30)
    parsing = threading.Thread(target=parse)
    parsing.start()
    with connection.cursor() as cursor:  # until the parse waits on the uncommitted address
        for _ in range(600):
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = "
                           "'Lock' AND datname = current_database()")
            if cursor.fetchone()[0]:
                break
            threading.Event().wait(0.05)
    commit.set()
    other.join(timeout=30)
    parsing.join(timeout=60)
    row.refresh_from_db()
    assert results == [InboundStatus.TICKET_CREATED], (row.status, row.reason, row.error[-300:])
    ticket = Ticket.objects.get(pk=row.ticket_id)
    assert ticket.requester.user.email == sender
