"""Issue #9 item 7: a change carries the ticket version the agent saw; a stale one is a 409
naming who changed what (work page and API), checked under the ticket row lock."""

from __future__ import annotations

import json
import re
import threading
import time
from unittest import mock

import pytest
from django.db import connection, connections
from django.test import Client

from tenants.roles import Role
from tests.conftest import login_as
from tests.factories import MembershipFactory
from tests.tickets.factories import make_ticket, sla_config
from tickets import services
from tickets.models import Status, Ticket
from tickets.services import StaleTicket
from tickets.services import assignment as assignment_services


def post_json(client, url, data, **headers):
    return client.post(url, json.dumps(data), content_type="application/json", headers=headers)


@pytest.fixture
def colleague(tenant):
    return MembershipFactory(tenant=tenant, role=Role.AGENT, tier=1,
                             user__email="colleague@acme.example")  # fmt: skip


@pytest.fixture
def third(tenant):
    return MembershipFactory(tenant=tenant, role=Role.AGENT, tier=1,
                             user__email="third@acme.example")  # fmt: skip


def _lock_waiters() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_two_agents_assigning_from_the_same_version_one_wins_the_other_gets_409(
    client_user, agent, colleague, third
):
    """Two real connections: the first holds the ticket row lock mid-change while the second
    waits on it; the second then finds the version moved and is refused, naming the winner."""
    ticket = make_ticket(client_user)
    seen = Ticket.objects.get(pk=ticket.pk).version
    url = f"/api/tickets/{ticket.reference}/assign/"
    clients = [Client(), Client()]
    login_as(clients[0], agent)
    login_as(clients[1], colleague)
    responses: list = [None, None]
    first_in, release = threading.Event(), threading.Event()
    real_record = assignment_services.ticket_event_record

    def held_record(**kwargs):
        if not first_in.is_set():  # the first change pauses with the row locked
            first_in.set()
            assert release.wait(10)
        return real_record(**kwargs)

    def post(index: int, assignee: str) -> None:
        try:
            responses[index] = post_json(clients[index], url,
                                         {"assignee": assignee, "version": seen})  # fmt: skip
        finally:
            connections.close_all()

    with mock.patch.object(assignment_services, "ticket_event_record", held_record):
        first = threading.Thread(target=post, args=(0, third.user.email))
        first.start()
        assert first_in.wait(10)
        second = threading.Thread(target=post, args=(1, colleague.user.email))
        second.start()
        deadline = time.monotonic() + 10  # bounded wait for a real connection to block
        while _lock_waiters() == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        waited = _lock_waiters()
        release.set()
        first.join(20)
        second.join(20)
    assert waited >= 1  # the second change really waited on the first one's row lock
    assert [r.status_code for r in responses] == [200, 409]
    conflict = responses[1].json()
    assert conflict["expected"] == seen and conflict["version"] == seen + 1
    assert conflict["changes"][0]["actor"] == agent.user.email
    assert conflict["changes"][0]["to_value"] == third.user.email
    assert agent.user.email in conflict["detail"] and "assignee" in conflict["detail"]
    row = Ticket.objects.get(pk=ticket.pk)
    assert (row.assignee_id, row.version) == (third.pk, seen + 1)
    assert row.events.filter(kind="assigned").count() == 1


def test_every_change_bumps_the_version_and_stale_ones_raise(client_user, agent, colleague):
    ticket = make_ticket(client_user)
    tenant = client_user.tenant
    priorities = sla_config(tenant, client_user.customer.plan)
    v1 = Ticket.objects.get(pk=ticket.pk).version
    services.ticket_set_tier(tenant=tenant, ticket=ticket, tier=2, actor=colleague,
                             expected_version=v1)  # fmt: skip
    assert Ticket.objects.get(pk=ticket.pk).version == v1 + 1 == ticket.version
    changes = [
        lambda: services.ticket_set_tier(tenant=tenant, ticket=ticket, tier=3, actor=agent,
                                         expected_version=v1),
        lambda: services.ticket_set_priority(tenant=tenant, ticket=ticket, actor=agent,
                                             priority=priorities["low"], expected_version=v1),
        lambda: services.ticket_set_status(tenant=tenant, ticket=ticket, actor=agent,
                                           status=Status.ON_HOLD, expected_version=v1),
        lambda: services.ticket_assign(tenant=tenant, ticket=ticket, assignee=agent,
                                       actor=agent, expected_version=v1),
    ]  # fmt: skip
    for change in changes:
        with pytest.raises(StaleTicket) as stale:
            change()
        assert [(e.actor_id, e.field, e.to_value) for e in stale.value.events] == [
            (colleague.pk, "tier", "2")
        ]
    row = Ticket.objects.get(pk=ticket.pk)
    assert (row.tier, row.assignee_id, row.status, row.version) == (2, None, ticket.status, v1 + 1)
    # A reply writes the row too: the version moves on, and the current one is accepted.
    services.ticket_reply(tenant=tenant, ticket=ticket, author=agent, body="On it.")
    current = Ticket.objects.get(pk=ticket.pk).version
    assert current == v1 + 2
    services.ticket_set_priority(tenant=tenant, ticket=ticket, actor=agent,
                                 priority=priorities["low"], expected_version=current)  # fmt: skip
    # No version named (older clients): applied to the ticket as it is.
    services.ticket_set_tier(tenant=tenant, ticket=ticket, tier=1, actor=agent)
    assert Ticket.objects.get(pk=ticket.pk).tier == 1


def test_the_work_page_refuses_a_stale_assignment_with_who_changed_what(
    tenant_client, client_user, agent, colleague, third
):
    ticket = make_ticket(client_user)
    login_as(tenant_client, agent)
    page = tenant_client.get(f"/work/{ticket.reference}/")
    seen = re.search(r'name="version" value="(\d+)"', page.content.decode()).group(1)
    # Meanwhile a colleague takes the ticket.
    services.ticket_assign(tenant=client_user.tenant, ticket=ticket, assignee=colleague,
                           actor=colleague)  # fmt: skip
    response = tenant_client.post(f"/work/{ticket.reference}/assign/",
                                  {"assignee": third.pk, "version": seen})  # fmt: skip
    assert response.status_code == 409
    html = response.content.decode()
    conflict = html[html.index('id="conflict"'):html.index('class="two-col"')]
    assert "colleague@acme.example changed assignee" in conflict
    assert "to colleague@acme.example at" in conflict
    assert Ticket.objects.get(pk=ticket.pk).assignee_id == colleague.pk  # nothing saved
    # The agent's choice is kept, the version now the current one: submitting again applies it.
    assert re.search(rf'<option value="{third.pk}" selected>', html)
    current = Ticket.objects.get(pk=ticket.pk).version
    assert f'name="version" value="{current}"' in html
    again = tenant_client.post(f"/work/{ticket.reference}/assign/",
                               {"assignee": third.pk, "version": current})  # fmt: skip
    assert again.status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).assignee_id == third.pk


def test_the_work_page_refuses_a_stale_status_priority_and_tier(
    tenant_client, client_user, agent, colleague
):
    ticket = make_ticket(client_user)
    seen = Ticket.objects.get(pk=ticket.pk).version
    services.ticket_set_tier(tenant=client_user.tenant, ticket=ticket, tier=3, actor=colleague)
    login_as(tenant_client, agent)
    base = f"/work/{ticket.reference}"
    for path, data in [("status", {"status": "on_hold"}), ("priority", {"priority": "low"}),
                       ("tier", {"tier": 2})]:  # fmt: skip
        response = tenant_client.post(f"{base}/{path}/", {**data, "version": seen})
        assert response.status_code == 409, path
        assert "colleague@acme.example changed tier from 1 to 3" in response.content.decode()
    row = Ticket.objects.get(pk=ticket.pk)
    assert (row.status, row.priority.key, row.tier) == (ticket.status, "high", 3)


def test_the_api_gives_an_etag_and_honours_if_match(client, client_user, agent, colleague):
    ticket = make_ticket(client_user)
    base = f"/api/tickets/{ticket.reference}"
    login_as(client, agent)
    detail = client.get(f"{base}/")
    etag, version = detail.headers["ETag"], detail.json()["version"]
    assert etag == f'"{version}"'
    services.ticket_set_tier(tenant=client_user.tenant, ticket=ticket, tier=2, actor=colleague)
    stale = post_json(client, f"{base}/status/", {"status": "on_hold"}, **{"If-Match": etag})
    assert stale.status_code == 409
    body = stale.json()
    assert body["changes"] == [{"actor": colleague.user.email, "kind": "tier", "field": "tier",
                                "from_value": "1", "to_value": "2",
                                "at": body["changes"][0]["at"]}]  # fmt: skip
    assert stale.headers["ETag"] == f'"{version + 1}"'
    assert Ticket.objects.get(pk=ticket.pk).status == ticket.status
    # The body's version works the same way; the fresh ETag is accepted.
    stale_body = post_json(client, f"{base}/assign/", {"assignee": agent.user.email,
                                                       "version": version})  # fmt: skip
    assert stale_body.status_code == 409
    fresh = post_json(client, f"{base}/assign/", {"assignee": agent.user.email},
                      **{"If-Match": stale.headers["ETag"]})  # fmt: skip
    assert fresh.status_code == 200 and fresh.headers["ETag"] == f'"{version + 2}"'
    # No precondition: accepted for backwards compatibility.
    assert post_json(client, f"{base}/status/", {"status": "on_hold"}).status_code == 200
    # A malformed precondition, or two that disagree, is the client's error.
    bad = post_json(client, f"{base}/status/", {"status": "open"}, **{"If-Match": '"x"'})
    assert bad.status_code == 400 and "If-Match" in bad.json()
    both = post_json(client, f"{base}/status/", {"status": "open", "version": 1},
                     **{"If-Match": '"2"'})  # fmt: skip
    assert both.status_code == 400 and "version" in both.json()


def test_the_schema_documents_the_precondition(client, tenant):
    response = client.get("/api/schema/", HTTP_HOST=f"{tenant.slug}.localhost")
    assert response.status_code == 200
    text = response.content.decode()
    assert "If-Match" in text and "StaleTicket" in text and "'409':" in text
