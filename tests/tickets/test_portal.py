from datetime import UTC, datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import login_as
from tickets import services
from tickets.models import Attachment, Status, Ticket, TicketEvent

from .factories import category, make_ticket, pinned_ticket, sla_config

T0 = datetime(2026, 5, 26, 13, 0, tzinfo=UTC)  # Tue 26 May, 09:00 in New York


@pytest.fixture
def configured(customer, other_customer):
    sla_config(customer.tenant, customer.plan)
    sla_config(other_customer.tenant, other_customer.plan)
    category(customer.tenant)


def test_home_sends_clients_to_their_tickets_and_staff_to_the_queue(client, client_user, agent):
    login_as(client, client_user)
    assert b"Search your tickets" in client.get("/").content
    login_as(client, agent)
    assert b"<h1>Queue</h1>" in client.get("/").content


def test_the_form_shows_each_priority_definition(client, client_user, configured):
    login_as(client, client_user)
    body = client.get("/tickets/new/").content.decode()
    assert "System down, no workaround." in body
    assert "Technical guidance." in body


def test_a_client_submits_a_ticket_with_an_attachment(client, client_user, configured):
    login_as(client, client_user)
    upload = SimpleUploadedFile("log.txt", b"boom", content_type="text/plain")
    response = client.post(
        "/tickets/new/",
        {"subject": "Broken", "description": "It broke", "priority": "critical",
         "category": "technical", "attachments": [upload]},
    )  # fmt: skip
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/tickets/{ticket.reference}/"
    assert ticket.channel == "portal" and ticket.category.key == "technical"
    assert Attachment.objects.get().filename == "log.txt"


def test_an_invalid_submission_is_a_400_with_field_errors(client, client_user, configured):
    login_as(client, client_user)
    response = client.post("/tickets/new/", {"subject": "", "priority": "nope"})
    assert response.status_code == 400
    assert b"This field is required" in response.content
    assert not Ticket.objects.exists()


def test_a_disallowed_attachment_is_a_400(client, client_user, configured, settings):
    settings.ATTACHMENT_MAX_BYTES = 3
    login_as(client, client_user)
    upload = SimpleUploadedFile("big.txt", b"1234", content_type="text/plain")
    response = client.post(
        "/tickets/new/",
        {"subject": "x", "description": "y", "priority": "low", "attachments": [upload]},
    )
    assert response.status_code == 400
    assert b"over the limit" in response.content


def test_the_ticket_page_says_what_the_client_is_owed_in_their_time(
    client, client_user, configured
):
    with time_machine.travel(T0, tick=False):
        ticket = make_ticket(client_user, priority="critical")
    login_as(client, client_user)
    body = client.get(f"/tickets/{ticket.reference}/").content.decode()
    # 1 h first response on a 24/7 calendar; the tenant's zone is America/New_York.
    assert "We will respond by Tue 26 May, 10:00 (your time, America/New_York)" in body


def test_a_client_with_their_own_zone_is_told_in_it(client, client_user, configured):
    client_user.user.time_zone = "Europe/London"
    client_user.user.save()
    with time_machine.travel(T0, tick=False):
        ticket = make_ticket(client_user, priority="critical")
    login_as(client, client_user)
    body = client.get(f"/tickets/{ticket.reference}/").content.decode()
    assert "We will respond by Tue 26 May, 15:00 (your time, Europe/London)" in body


def test_the_paused_state_is_explained(client, client_user, agent, configured):
    ticket = make_ticket(client_user)
    services.ticket_set_status(
        tenant=ticket.tenant, ticket=ticket, status=Status.PENDING_CUSTOMER, actor=agent
    )
    login_as(client, client_user)
    body = client.get(f"/tickets/{ticket.reference}/").content.decode()
    assert "Paused while we wait for your reply" in body


def test_internal_notes_never_reach_the_portal(client, client_user, agent, configured):
    ticket = make_ticket(client_user)
    note = services.ticket_reply(
        tenant=ticket.tenant, ticket=ticket, author=agent, body="customer is grumpy",
        internal=True,
        attachments=[SimpleUploadedFile("notes.txt", b"x", content_type="text/plain")],
    )  # fmt: skip
    services.ticket_reply(tenant=ticket.tenant, ticket=ticket, author=agent, body="Hello!")
    login_as(client, client_user)
    body = client.get(f"/tickets/{ticket.reference}/").content.decode()
    assert "Hello!" in body and "grumpy" not in body and "notes.txt" not in body
    attachment = note.attachments.get()
    url = f"/tickets/{ticket.reference}/attachments/{attachment.pk}/"
    assert client.get(url).status_code == 404


def test_a_client_cannot_open_another_customers_ticket(
    client, client_user, other_client, configured
):
    theirs = make_ticket(other_client)
    login_as(client, client_user)
    for suffix in ("", "reply/", "close/", "escalate/"):
        method = client.get if not suffix else client.post
        assert method(f"/tickets/{theirs.reference}/{suffix}").status_code == 404


def test_a_client_admin_sees_the_organisations_tickets(
    client, client_user, client_admin, other_client, configured
):
    mine = make_ticket(client_user, subject="Mine")
    theirs = make_ticket(other_client, subject="Theirs")
    login_as(client, client_admin)
    body = client.get("/tickets/").content.decode()
    assert mine.reference in body and theirs.reference not in body
    assert client.get(f"/tickets/{mine.reference}/").status_code == 200


def test_list_search_and_status_tabs(client, client_user, agent, configured):
    vpn = make_ticket(client_user, subject="VPN drops")
    done = make_ticket(client_user, subject="Printer")
    services.ticket_resolve(tenant=done.tenant, ticket=done, actor=agent)
    login_as(client, client_user)
    body = client.get("/tickets/").content.decode()
    assert vpn.reference in body and done.reference not in body
    body = client.get("/tickets/?status=resolved,closed").content.decode()
    assert done.reference in body and vpn.reference not in body
    body = client.get("/tickets/?status=&q=vpn").content.decode()
    assert vpn.reference in body and done.reference not in body


def test_reply_close_reopen_and_escalate(client, client_user, agent, configured):
    ticket = make_ticket(client_user)
    login_as(client, client_user)
    base = f"/tickets/{ticket.reference}"
    assert client.post(f"{base}/reply/", {"body": ""}).status_code == 400
    assert client.post(f"{base}/reply/", {"body": "More info"}).status_code == 302
    assert client.post(f"{base}/escalate/", {"reason": "slow"}).status_code == 302
    services.ticket_resolve(tenant=ticket.tenant, ticket=ticket, actor=agent)
    assert client.post(f"{base}/reopen/").status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).status == Status.OPEN
    assert client.post(f"{base}/close/").status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).status == Status.CLOSED
    kinds = list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert kinds == ["created", "reply", "escalation_requested", "status", "reopened", "status"]


def test_attachments_download_and_never_render_inline(client, client_user, configured):
    ticket = make_ticket(
        client_user,
        attachments=[SimpleUploadedFile("x.html.txt", b"<script>", content_type="text/plain")],
    )
    attachment = Attachment.objects.get()
    login_as(client, client_user)
    response = client.get(f"/tickets/{ticket.reference}/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == b"<script>"


@pytest.mark.parametrize("count", [3, 12])
def test_the_portal_list_costs_the_same_queries_whatever_its_length(
    client, client_admin, agent, configured, django_assert_num_queries, count
):
    for _ in range(count):
        pinned_ticket(client_admin, agent)
    login_as(client, client_admin)
    client.get("/tickets/")  # the host's tenant is cached from now on
    # membership with its user (the session comes from the cache), one page of rows, the
    # requesters (the list shows no category or assignee), the header's unread count
    with django_assert_num_queries(4):
        response = client.get("/tickets/")
    assert response.content.count(b'href="/tickets/ACM-') == 2 * count
