"""Threading that cannot be hijacked: what joins a ticket, and what never does."""

from __future__ import annotations

import pytest
from django.core import mail

from notifications.inbound import tokens
from notifications.inbound.models import InboundEmail, InboundStatus
from sla.models import ClockStatus, SlaClock
from tickets import services
from tickets.models import Message, Status, Ticket

from .conftest import OTHER_SUPPORT, SUPPORT
from .esp import post_mailgun, post_sendgrid
from .mail import raw_email

CLIENT = "client@initech.example"
OTHER = "client@umbrella.example"  # another customer of the same tenant


@pytest.fixture
def deliver(client, django_capture_on_commit_callbacks):
    def deliver(raw: bytes, *, sender: str, recipient: str = SUPPORT, esp=post_sendgrid):
        with django_capture_on_commit_callbacks(execute=True):
            assert esp(client, raw, recipient=recipient, sender=sender).status_code == 200
        return InboundEmail.objects.order_by("-id").first()

    return deliver


@pytest.fixture
def opened(acme, deliver):
    """A ticket opened by email by the Initech client, and its acknowledgement."""
    deliver(raw_email(sender=CLIENT, to=SUPPORT, message_id="<first@initech.example>"),
            sender=CLIENT)
    (ack,) = mail.outbox
    return Ticket.objects.get(), ack


def replies(ticket):
    return Message.objects.filter(ticket=ticket)


def test_the_reply_address_is_unguessable_and_checked(opened):
    ticket, ack = opened
    address = ack.reply_to[0]
    local = address.split("@")[0]
    assert tokens.reply_token_valid(local, tenant_id=ticket.tenant_id, ticket_id=ticket.pk)
    assert not tokens.reply_token_valid(local, tenant_id=ticket.tenant_id + 1,
                                        ticket_id=ticket.pk)
    forged = f"reply+{ticket.pk + 1}-{local.split('-')[1]}"
    assert not tokens.reply_token_valid(forged, tenant_id=ticket.tenant_id,
                                        ticket_id=ticket.pk + 1)


@pytest.mark.parametrize("esp", [post_sendgrid, post_mailgun])
def test_a_reply_by_in_reply_to_a_stored_message_id_threads(opened, deliver, esp):
    ticket, _ack = opened
    raw = raw_email(sender=CLIENT, to=SUPPORT, subject="Re: something else",
                    body="More detail\n", headers={"In-Reply-To": "<first@initech.example>"})
    row = deliver(raw, sender=CLIENT, esp=esp)
    assert row.status == InboundStatus.REPLIED and row.ticket == ticket
    assert replies(ticket).get().body_text == "More detail"


def test_the_subject_tag_threads_for_the_requester(opened, deliver):
    ticket, _ = opened
    raw = raw_email(sender=CLIENT, to=SUPPORT, subject=f"Re: [{ticket.reference}] x")
    assert deliver(raw, sender=CLIENT).status == InboundStatus.REPLIED


def test_the_subject_tag_threads_for_a_colleague_of_the_same_customer(opened, deliver):
    ticket, _ = opened
    raw = raw_email(sender="boss@initech.example", to=SUPPORT,
                    subject=f"Re: [{ticket.reference}] x")
    row = deliver(raw, sender="boss@initech.example")
    assert row.status == InboundStatus.REPLIED and row.ticket == ticket


def test_a_cc_on_the_ticket_may_reply(acme, deliver, client_user):
    from tests.tickets.factories import make_ticket

    ticket = make_ticket(client_user, cc_emails=["partner@outside.example"])
    raw = raw_email(sender="partner@outside.example", to=SUPPORT,
                    subject=f"Re: [{ticket.reference}] x")
    row = deliver(raw, sender="partner@outside.example")
    assert row.status == InboundStatus.REPLIED
    message = replies(ticket).get()
    assert message.author is None and message.author_email == "partner@outside.example"


def test_another_customers_subject_tag_or_message_id_never_appends(opened, deliver):
    ticket, ack = opened
    for headers, subject in (
        ({}, f"Re: [{ticket.reference}] let me in"),
        ({"In-Reply-To": "<first@initech.example>"}, "Re: hello"),
        ({"References": ack.extra_headers["Message-ID"]}, "Re: hello"),
    ):
        deliver(raw_email(sender=OTHER, to=SUPPORT, subject=subject, headers=headers),
                sender=OTHER)
    assert not replies(ticket).exists()
    assert Ticket.objects.exclude(pk=ticket.pk).filter(customer__name="Umbrella").count() == 3


def test_a_stranger_using_the_reply_address_is_held_not_appended(opened, deliver):
    ticket, ack = opened
    raw = raw_email(sender="stranger@example.net", to=ack.reply_to[0], subject="Re: hi")
    row = deliver(raw, sender="stranger@example.net", recipient=ack.reply_to[0])
    assert row.status == InboundStatus.HELD and not replies(ticket).exists()


def test_another_tenants_tag_is_looked_up_in_the_receiving_tenant_only(
    opened, globex, deliver
):
    ticket, _ = opened
    # The same person is a client of globex too; the tag names acme's ticket.
    raw = raw_email(sender=CLIENT, to=OTHER_SUPPORT, subject=f"Re: [{ticket.reference}] x")
    row = deliver(raw, sender=CLIENT, recipient=OTHER_SUPPORT)
    assert row.tenant == globex and row.status == InboundStatus.TICKET_CREATED
    assert not replies(ticket).exists()
    assert Ticket.objects.filter(tenant=globex).count() == 1


def test_mail_never_adds_ccs(opened, deliver):
    ticket, ack = opened
    raw = raw_email(sender=CLIENT, to=ack.reply_to[0], subject="Re: x",
                    headers={"Cc": "attacker@evil.example"})
    deliver(raw, sender=CLIENT, recipient=ack.reply_to[0])
    ticket.refresh_from_db()
    assert ticket.cc_emails == [] and not ticket.watchers.exists()


def test_a_reply_to_a_closed_ticket_opens_a_new_one(opened, deliver, agent):
    ticket, ack = opened
    services.ticket_set_status(tenant=ticket.tenant, ticket=ticket, status=Status.RESOLVED,
                               actor=agent)
    services.ticket_close(tenant=ticket.tenant, ticket=ticket, actor=agent)
    row = deliver(raw_email(sender=CLIENT, to=ack.reply_to[0], subject="Re: x"),
                  sender=CLIENT, recipient=ack.reply_to[0])
    assert row.status == InboundStatus.TICKET_CREATED and row.ticket != ticket


def test_a_requester_reply_resumes_a_paused_clock_like_the_portal(opened, deliver, agent):
    ticket, ack = opened
    services.ticket_reply(tenant=ticket.tenant, ticket=ticket, author=agent, body="Which VPN?")
    services.ticket_set_status(tenant=ticket.tenant, ticket=ticket,
                               status=Status.PENDING_CUSTOMER, actor=agent)
    resolution = SlaClock.objects.get(ticket=ticket, metric="resolution")
    assert resolution.status == ClockStatus.PAUSED
    deliver(raw_email(sender=CLIENT, to=ack.reply_to[0], subject="Re: x", body="Cisco.\n"),
            sender=CLIENT, recipient=ack.reply_to[0])
    ticket.refresh_from_db()
    resolution.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert resolution.status == ClockStatus.RUNNING
