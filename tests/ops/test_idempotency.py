"""Double submits: API POSTs with an Idempotency-Key, HTML forms with a one-time token."""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
import time_machine
import yaml
from django.core.management import call_command
from django.db import connections
from django.test import Client

from ops.models import IdempotencyRecord
from ops.tasks import idempotency_cleanup_cross_tenant
from tests.conftest import login_as
from tests.tickets.factories import category, make_ticket, sla_config
from tickets.models import Message, Ticket

NEW = {"subject": "Down", "description": "All down", "priority": "critical",
       "category": "technical"}  # fmt: skip


@pytest.fixture
def configured(customer):
    sla_config(customer.tenant, customer.plan)
    category(customer.tenant)


def post_json(client, url, data, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(url, json.dumps(data), content_type="application/json", **headers)


# ---------------------------------------------------------------------------------- API


@pytest.mark.django_db
def test_the_same_key_and_body_replays_the_first_response_without_a_second_ticket(
    client, client_user, configured
):
    login_as(client, client_user)
    first = post_json(client, "/api/tickets/", NEW, key="k-1")
    second = post_json(client, "/api/tickets/", NEW, key="k-1")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Ticket.objects.count() == 1


@pytest.mark.django_db
def test_a_reply_with_the_same_key_is_made_once(client, client_user, configured):
    ticket = make_ticket(client_user)
    login_as(client, client_user)
    url = f"/api/tickets/{ticket.reference}/messages/"
    first = post_json(client, url, {"body": "Any news?"}, key="reply-1")
    second = post_json(client, url, {"body": "Any news?"}, key="reply-1")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert Message.objects.filter(ticket=ticket).count() == 1


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_a_422(client, client_user, configured):
    login_as(client, client_user)
    assert post_json(client, "/api/tickets/", NEW, key="k-2").status_code == 201
    other = post_json(client, "/api/tickets/", {**NEW, "subject": "Other"}, key="k-2")
    assert other.status_code == 422
    assert "different request" in other.json()["detail"]
    assert Ticket.objects.count() == 1


@pytest.mark.django_db
def test_keys_are_per_user_and_without_a_key_nothing_changes(
    client, client_user, client_admin, configured
):
    login_as(client, client_user)
    post_json(client, "/api/tickets/", NEW, key="shared")
    post_json(client, "/api/tickets/", NEW)
    post_json(client, "/api/tickets/", NEW)
    login_as(client, client_admin)
    assert post_json(client, "/api/tickets/", NEW, key="shared").status_code == 201
    assert Ticket.objects.count() == 4


@pytest.mark.django_db
def test_a_refused_request_is_not_recorded_so_the_fixed_one_goes_through(
    client, client_user, configured
):
    login_as(client, client_user)
    bad = post_json(client, "/api/tickets/", {**NEW, "priority": "nope"}, key="k-3")
    assert bad.status_code == 400
    assert not IdempotencyRecord.objects.exists()
    # The corrected request with the same key is not "another body for a used key" (422).
    assert post_json(client, "/api/tickets/", NEW, key="k-3").status_code == 201
    assert Ticket.objects.count() == 1


@pytest.mark.django_db
def test_a_bad_key_is_a_400(client, client_user, configured):
    login_as(client, client_user)
    response = post_json(client, "/api/tickets/", NEW, key="x" * 256)
    assert response.status_code == 400 and "Idempotency-Key" in response.json()
    assert not Ticket.objects.exists()


@pytest.mark.django_db
def test_keys_are_forgotten_after_a_day(client, client_user, configured):
    t0 = datetime(2026, 5, 26, 9, tzinfo=UTC)
    login_as(client, client_user)
    with time_machine.travel(t0, tick=False):
        post_json(client, "/api/tickets/", NEW, key="k-4")
    with time_machine.travel(t0 + timedelta(hours=23), tick=False):
        assert idempotency_cleanup_cross_tenant() == 0
    with time_machine.travel(t0 + timedelta(hours=25), tick=False):
        assert idempotency_cleanup_cross_tenant() == 1
        assert post_json(client, "/api/tickets/", NEW, key="k-4").status_code == 201
    assert Ticket.objects.count() == 2


def test_every_post_of_the_tickets_api_documents_the_header(db, tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(out))
    paths = yaml.safe_load(out.read_text())["paths"]
    posts = {path: ops["post"] for path, ops in paths.items()
             if path.startswith("/api/tickets/") and "post" in ops}  # fmt: skip
    assert len(posts) >= 4
    for path, operation in posts.items():
        headers = [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"]
        # Changes of one ticket also document `If-Match` (the version they are based on).
        assert headers in (["Idempotency-Key"], ["Idempotency-Key", "If-Match"]), path


def _wait_until_a_backend_waits_on_a_lock(seconds: float = 5.0) -> bool:
    """From a connection of its own: is another request blocked on a row lock (the repeat's
    INSERT waiting for the first request's uncommitted key)? Polls a real server: bounded."""
    probe = connections.create_connection("default")
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with probe.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock'"
                )
                if cursor.fetchone()[0]:
                    return True
            time.sleep(0.05)
        return False
    finally:
        probe.close()


@pytest.mark.django_db(transaction=True)
def test_two_requests_at_once_with_the_same_key_make_one_ticket(client_user, configured):
    """The first request, mid-write, waits until the second is seen blocked in PostgreSQL; only
    then does it commit. Without the key's unique row the second would not block: it would
    write a second ticket (and the first would wait out the bound)."""
    from tickets.services import creation

    original = creation.search_vector_for_new
    first_in = threading.Event()
    saw_block: list[bool] = []

    def slow_first(**kwargs):
        if not first_in.is_set():
            first_in.set()
            saw_block.append(_wait_until_a_backend_waits_on_a_lock())
        return original(**kwargs)

    clients = [Client(), Client()]
    for each in clients:
        login_as(each, client_user)
    responses: list = [None, None]

    def post(index: int) -> None:
        try:
            responses[index] = post_json(clients[index], "/api/tickets/", NEW, key="dbl")
        finally:
            connections.close_all()

    with mock.patch.object(creation, "search_vector_for_new", slow_first):
        first = threading.Thread(target=post, args=(0,))
        first.start()
        assert first_in.wait(10)
        second = threading.Thread(target=post, args=(1,))
        second.start()
        first.join(20)
        second.join(20)
    assert saw_block == [True]
    assert [r.status_code for r in responses] == [201, 201]
    assert responses[0].json() == responses[1].json()
    assert Ticket.objects.count() == 1


# ---------------------------------------------------------------------------- HTML forms


def token() -> str:
    return uuid.uuid4().hex


@pytest.mark.django_db
def test_a_resubmitted_new_ticket_form_makes_one_ticket_and_lands_on_it(
    client, client_user, configured
):
    login_as(client, client_user)
    form = client.get("/tickets/new/").content.decode()
    assert 'name="submission_token"' in form
    data = {**NEW, "submission_token": token()}
    first = client.post("/tickets/new/", data)
    second = client.post("/tickets/new/", data)
    ticket = Ticket.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == f"/tickets/{ticket.reference}/"
    page = client.get(second["Location"]).content.decode()
    assert "already sent" in page


@pytest.mark.django_db
def test_a_resubmitted_portal_reply_makes_one_message(client, client_user, configured):
    ticket = make_ticket(client_user)
    login_as(client, client_user)
    assert 'name="submission_token"' in client.get(f"/tickets/{ticket.reference}/").content.decode()
    data = {"body": "Still broken", "submission_token": token()}
    url = f"/tickets/{ticket.reference}/reply/"
    assert client.post(url, data).status_code == client.post(url, data).status_code == 302
    assert Message.objects.filter(ticket=ticket).count() == 1
    other = client.post(url, {"body": "Still broken", "submission_token": token()})
    assert other.status_code == 302  # a new form (new token) is a new reply
    assert Message.objects.filter(ticket=ticket).count() == 2


@pytest.mark.django_db
def test_a_resubmitted_agent_reply_makes_one_message(client, client_user, agent, configured):
    ticket = make_ticket(client_user)
    login_as(client, agent)
    assert 'name="submission_token"' in client.get(f"/work/{ticket.reference}/").content.decode()
    data = {"body": "Restart it", "kind": "note", "submission_token": token()}
    url = f"/work/{ticket.reference}/reply/"
    first, second = client.post(url, data), client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == f"/work/{ticket.reference}/"
    assert Message.objects.filter(ticket=ticket).count() == 1


@pytest.mark.django_db
def test_a_resubmitted_on_behalf_ticket_makes_one_ticket(client, client_user, agent, configured):
    login_as(client, agent)
    assert 'name="submission_token"' in client.get("/queue/new/").content.decode()
    data = {**NEW, "requester": client_user.pk, "channel": "phone", "submission_token": token()}
    first, second = client.post("/queue/new/", data), client.post("/queue/new/", data)
    assert first.status_code == second.status_code == 302, first.content
    assert first["Location"] == second["Location"]
    assert Ticket.objects.count() == 1


@pytest.mark.django_db
def test_a_refused_form_leaves_its_token_unused(client, client_user, configured):
    login_as(client, client_user)
    data = {**NEW, "subject": "", "submission_token": token()}
    assert client.post("/tickets/new/", data).status_code == 400
    assert client.post("/tickets/new/", {**data, "subject": "Fixed"}).status_code == 302
    assert Ticket.objects.count() == 1
