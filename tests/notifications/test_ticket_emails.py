"""Ticket events that email the client, written by the tickets services into the outbox in
the same transaction as the change: created (portal/API), an agent's public reply (the
requester, CCs and client watchers already on the ticket), client-facing status changes."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction

from notifications.outbound.models import Delivery, DeliveryStatus, Notification
from notifications.outbound.tokens import message_id_ours, reply_token_valid
from tests.conftest import login_as
from tests.factories import client_membership
from tests.tickets.factories import make_ticket
from tickets import services
from tickets.models import Status


@pytest.fixture(autouse=True)
def anymail_test_backend(settings):
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    settings.INBOUND_DOMAIN = "in.helpdesk.test"


@pytest.mark.django_db(transaction=True)
def test_a_portal_ticket_emails_its_tracking_number_to_the_requester(client_user):
    ticket = make_ticket(client_user, cc_emails=["boss@initech.example"])
    (email,) = mail.outbox
    assert email.to == [client_user.user.email]  # the acknowledgement: requester only
    assert email.subject.startswith(f"[{ticket.reference}] ")
    assert ticket.reference in email.body and ticket.reference in email.alternatives[0][0]
    assert email.extra_headers["Auto-Submitted"] == "auto-replied"
    local, _, domain = email.reply_to[0].partition("@")
    assert domain == "in.helpdesk.test"
    assert reply_token_valid(local, tenant_id=ticket.tenant_id, ticket_id=ticket.pk)
    assert message_id_ours(email.extra_headers["Message-ID"]) == (ticket.tenant_id, ticket.pk)
    notification = Notification.objects.get()
    assert notification.topic == f"ticket:{ticket.pk}"


@pytest.mark.django_db(transaction=True)
def test_a_failed_creation_writes_no_email(client_user):
    with pytest.raises(RuntimeError), transaction.atomic():
        make_ticket(client_user)
        raise RuntimeError("the request failed after the ticket")
    assert mail.outbox == [] and not Notification.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_email_ticket_is_not_acknowledged_twice(client_user):
    make_ticket(client_user, channel="email")  # the intake acknowledges these itself
    assert mail.outbox == [] and not Delivery.objects.filter(transport="email").exists()


@pytest.mark.django_db(transaction=True)
def test_an_agent_public_reply_emails_requester_ccs_and_client_watchers_once(
    tenant, customer, client_user, agent, manager
):
    ticket = make_ticket(client_user, cc_emails=["boss@initech.example"])
    colleague = client_membership(tenant, customer, user__email="colleague@initech.example")
    ticket.watchers.add(colleague, manager)  # a staff watcher reads the ticket page instead
    mail.outbox.clear()
    services.ticket_reply(tenant=tenant, ticket=ticket, author=agent, body="A note", internal=True)
    assert mail.outbox == []  # internal notes never leave
    services.ticket_reply(tenant=tenant, ticket=ticket, author=agent, body="Try <b>this</b>.")
    assert sorted(e.to[0] for e in mail.outbox) == sorted(
        [client_user.user.email, "boss@initech.example", "colleague@initech.example"]
    )
    for email in mail.outbox:
        assert email.subject == f"[{ticket.reference}] Re: {ticket.subject}"
        assert "Try <b>this</b>." in email.body
        assert "Try &lt;b&gt;this&lt;/b&gt;." in email.alternatives[0][0]  # escaped
        assert "Auto-Submitted" not in email.extra_headers  # typed by a person
        assert reply_token_valid(email.reply_to[0].partition("@")[0], tenant_id=tenant.pk,
                                 ticket_id=ticket.pk)  # fmt: skip
    assert len({e.extra_headers["Message-ID"] for e in mail.outbox}) == 3
    # The client's own reply emails nobody.
    mail.outbox.clear()
    services.ticket_reply(tenant=tenant, ticket=ticket, author=client_user, body="Thanks")
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_status_changes_that_matter_to_the_client_are_emailed(tenant, client_user, agent):
    ticket = make_ticket(client_user)
    mail.outbox.clear()
    services.ticket_set_status(tenant=tenant, ticket=ticket, status=Status.OPEN, actor=agent)
    services.ticket_set_status(tenant=tenant, ticket=ticket, status=Status.ON_HOLD, actor=agent)
    assert mail.outbox == []  # internal states: nothing for the client
    services.ticket_set_status(tenant=tenant, ticket=ticket, status=Status.PENDING_CUSTOMER,
                               actor=agent)  # fmt: skip
    services.ticket_set_status(tenant=tenant, ticket=ticket, status=Status.RESOLVED, actor=agent)
    services.ticket_set_status(tenant=tenant, ticket=ticket, status=Status.CLOSED, actor=agent)
    subjects = [e.subject for e in mail.outbox]
    assert subjects == [
        f"[{ticket.reference}] Waiting for your answer: {ticket.subject}",
        f"[{ticket.reference}] Resolved: {ticket.subject}",
        f"[{ticket.reference}] Closed: {ticket.subject}",
    ]
    assert {e.to[0] for e in mail.outbox} == {client_user.user.email}


@pytest.mark.django_db(transaction=True)
def test_agents_see_email_delivery_on_the_ticket_work_page(client, tenant, client_user, agent):
    ticket = make_ticket(client_user)
    delivery = Delivery.objects.get(transport="email")
    Delivery.objects.filter(pk=delivery.pk).update(tracking_status="bounced",
                                                   tracking_detail="550 No such user")
    login_as(client, agent)
    page = client.get(f"/work/{ticket.reference}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Email delivery" in html and client_user.user.email in html
    assert "bounced" in html and "550 No such user" in html
    assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SENT


@pytest.mark.django_db(transaction=True)
def test_escalation_notices_email_the_staff_the_ladder_names(tenant, agent):
    from notifications.outbound.services import notification_send

    notification_send(tenant=tenant, recipients=[agent], kind="escalation_opened",
                      subject="Escalated", body="Body")  # fmt: skip
    notification_send(tenant=tenant, recipients=[agent], kind="mention", subject="x", body="y")
    (email,) = mail.outbox
    assert email.to == [agent.user.email] and email.subject == "Escalated"
    assert Notification.objects.filter(recipient=agent).count() == 2  # both in-app
