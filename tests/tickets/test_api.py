import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tenants.services import api_token_create
from tests.conftest import host, login_as
from tickets.models import Message, Status, Ticket

from .factories import category, make_ticket, pinned_ticket, sla_config

T0 = datetime(2026, 5, 26, 9, 0, tzinfo=UTC)


def post_json(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


@pytest.fixture
def configured(customer, other_customer):
    sla_config(customer.tenant, customer.plan)
    sla_config(other_customer.tenant, other_customer.plan)
    category(customer.tenant)


@time_machine.travel(T0, tick=False)
def test_a_client_creates_a_ticket_and_gets_its_deadlines(client, client_user, configured):
    login_as(client, client_user)
    response = post_json(
        client,
        "/api/tickets/",
        {"subject": "Down", "description": "All down", "priority": "critical",
         "category": "technical"},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reference"] == "ACM-1001"
    assert body["status"] == "new"
    assert body["priority"] == "critical"
    assert body["channel"] == "api"
    assert body["first_response_due_at"] == "2026-05-26T10:00:00Z"
    assert body["resolution_due_at"] == "2026-05-26T13:00:00Z"
    assert set(body["sla"]) == {"first_response", "resolution"}
    assert body["sla"]["first_response"]["status"] == "running"
    assert body["sla"]["first_response"]["segments"]


def test_a_plan_without_a_policy_gives_null_deadlines(client, client_user):
    sla_config(client_user.tenant)  # priorities, but no policy for the customer's plan
    login_as(client, client_user)
    response = post_json(
        client, "/api/tickets/", {"subject": "Hi", "description": "?", "priority": "low"}
    )
    assert response.status_code == 201
    assert response.json()["first_response_due_at"] is None
    assert response.json()["sla"] == {}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"description": "x", "priority": "high"}, "subject"),
        ({"subject": "x", "description": "x", "priority": "urgent!!"}, "priority"),
        ({"subject": "x", "description": "x", "priority": "high", "category": "nope"}, "category"),
        ({"subject": ["x"], "description": "x", "priority": "high"}, "subject"),
        ({"subject": "x", "description": "x", "priority": 5}, "priority"),
    ],
)
def test_bad_input_is_a_400_with_field_errors(client, client_user, configured, payload, field):
    login_as(client, client_user)
    response = post_json(client, "/api/tickets/", payload)
    assert response.status_code == 400
    assert field in response.json()


def test_bad_json_is_a_400(client, client_user, configured):
    login_as(client, client_user)
    response = client.post("/api/tickets/", "{not json", content_type="application/json")
    assert response.status_code == 400


def test_another_tenants_priority_key_is_unknown(client, client_user, other_tenant):
    sla_config(other_tenant)
    login_as(client, client_user)
    response = post_json(
        client, "/api/tickets/", {"subject": "x", "description": "x", "priority": "high"}
    )
    assert response.status_code == 400 and "priority" in response.json()


def test_token_authentication_on_the_tenant_host(client, client_user, configured):
    _token, key = api_token_create(tenant=client_user.tenant, user=client_user.user)
    ticket = make_ticket(client_user)
    response = client.get(
        f"/api/tickets/{ticket.reference}/",
        HTTP_HOST=host(client_user.tenant),
        HTTP_AUTHORIZATION=f"Token {key}",
    )
    assert response.status_code == 200
    assert response.json()["reference"] == ticket.reference


def test_clients_see_only_their_tickets_and_admins_their_organisation(
    client, client_user, client_admin, other_client, configured
):
    mine = make_ticket(client_user)
    colleague = make_ticket(client_admin)
    theirs = make_ticket(other_client)
    login_as(client, client_user)
    refs = [t["reference"] for t in client.get("/api/tickets/").json()["results"]]
    assert refs == [mine.reference]
    assert client.get(f"/api/tickets/{theirs.reference}/").status_code == 404
    assert client.get(f"/api/tickets/{colleague.reference}/").status_code == 404
    login_as(client, client_admin)
    refs = {t["reference"] for t in client.get("/api/tickets/").json()["results"]}
    assert refs == {mine.reference, colleague.reference}


def test_another_tenants_ticket_is_a_404(client, client_user, outsider, configured):
    ticket = make_ticket(client_user)
    login_as(client, outsider)
    for url in ("", "messages/", "clocks/"):
        assert client.get(f"/api/tickets/{ticket.reference}/{url}").status_code == 404
    assert post_json(client, f"/api/tickets/{ticket.reference}/status/", {"status": "closed"}
                     ).status_code == 404  # fmt: skip


def test_messages_internal_only_for_agents(client, client_user, agent, configured):
    ticket = make_ticket(client_user)
    url = f"/api/tickets/{ticket.reference}/messages/"
    login_as(client, client_user)
    response = post_json(client, url, {"body": "psst", "internal": True})
    assert response.status_code == 400 and "internal" in response.json()
    assert post_json(client, url, {"body": "any news?"}).status_code == 201
    login_as(client, agent)
    assert post_json(client, url, {"body": "secret", "internal": True}).status_code == 201
    assert post_json(client, url, {"body": "Working on it"}).status_code == 201
    agent_view = [m["body_text"] for m in client.get(url).json()]
    assert agent_view == ["any news?", "secret", "Working on it"]
    login_as(client, client_user)
    client_view = [m["body_text"] for m in client.get(url).json()]
    assert client_view == ["any news?", "Working on it"]
    detail = client.get(f"/api/tickets/{ticket.reference}/").json()
    assert detail["sla"]["first_response"]["status"] == "met"


def test_message_bad_types_are_400(client, client_user, configured):
    ticket = make_ticket(client_user)
    login_as(client, client_user)
    url = f"/api/tickets/{ticket.reference}/messages/"
    assert post_json(client, url, {"body": ""}).status_code == 400
    assert post_json(client, url, {"body": "x", "internal": "maybe"}).status_code == 400


def test_status_and_assignment(client, client_user, agent, configured):
    ticket = make_ticket(client_user)
    base = f"/api/tickets/{ticket.reference}"
    login_as(client, client_user)
    assert post_json(client, f"{base}/assign/", {"assignee": agent.user.email}).status_code == 404
    response = post_json(client, f"{base}/status/", {"status": "on_hold"})
    assert response.status_code == 400 and "status" in response.json()
    login_as(client, agent)
    response = post_json(client, f"{base}/assign/", {"assignee": agent.user.email})
    assert response.status_code == 200 and response.json()["assignee"] == agent.user.email
    response = post_json(client, f"{base}/assign/", {"assignee": client_user.user.email})
    assert response.status_code == 400 and "assignee" in response.json()
    response = post_json(client, f"{base}/status/", {"status": "pending_customer"})
    assert response.status_code == 200
    assert response.json()["sla"]["resolution"]["status"] == "paused"
    response = post_json(client, f"{base}/status/", {"status": "bogus"})
    assert response.status_code == 400
    assert post_json(client, f"{base}/status/", {"status": "closed"}).status_code == 200
    response = post_json(client, f"{base}/status/", {"status": "open"})
    assert response.status_code == 400
    assert Ticket.objects.get(pk=ticket.pk).status == Status.CLOSED


def test_clocks_endpoint_has_the_ledger(client, client_user, configured):
    ticket = make_ticket(client_user)
    login_as(client, client_user)
    body = client.get(f"/api/tickets/{ticket.reference}/clocks/").json()
    assert [c["metric"] for c in body["clocks"]] == ["first_response", "resolution"]
    assert body["clocks"][0]["segments"][0]["kind"] == "running"


def test_agents_log_tickets_on_behalf_of_a_client(client, client_user, agent, configured):
    login_as(client, agent)
    payload = {"subject": "Called in", "description": "By phone", "priority": "high"}
    assert post_json(client, "/api/tickets/", payload).status_code == 400  # no requester
    payload |= {"requester": client_user.user.email, "channel": "phone"}
    response = post_json(client, "/api/tickets/", payload)
    assert response.status_code == 201
    assert response.json()["channel"] == "phone"
    assert response.json()["requester"] == client_user.user.email


def test_list_orders_by_first_response_due_with_a_cursor(client, client_user, agent, configured):
    with time_machine.travel(T0, tick=False):
        low = make_ticket(client_user, priority="low")
        critical = make_ticket(client_user, priority="critical")
        high = make_ticket(client_user, priority="high")
        answered = make_ticket(client_user, priority="medium")
    login_as(client, agent)
    post_json(client, f"/api/tickets/{answered.reference}/messages/", {"body": "hi"})
    expected = [critical, high, low, answered]  # answered: no running first-response clock
    seen, url = [], "/api/tickets/?ordering=first_response_due_at&page_size=1"
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        seen += [t["reference"] for t in body["results"]]
        url = body["next"]
    assert seen == [t.reference for t in expected]


def test_list_bad_parameters_are_400(client, agent, configured):
    login_as(client, agent)
    for query in ("ordering=subject", "cursor=garbage", "page_size=0", "status=nope", "tier=x"):
        assert client.get(f"/api/tickets/?{query}").status_code == 400, query


def test_list_numbers_that_are_digits_but_not_decimals_are_400(client, agent, configured):
    # "²".isdigit() is true but int("²") raises: such a parameter must be a 400, not a 500.
    login_as(client, agent)
    for query in ("page_size=²", "tier=²", "customer=²"):
        assert client.get(f"/api/tickets/?{query}").status_code == 400, query
    assert client.get("/api/tickets/?assignee=²").status_code == 200
    assert client.get("/api/tickets/?customer=99999999999999999999999").status_code == 200


def test_list_filters_and_search(client, client_user, other_client, agent, configured):
    vpn = make_ticket(client_user, subject="VPN is flaky", priority="high")
    make_ticket(other_client, subject="Invoice wrong", priority="low")
    login_as(client, agent)

    def refs(query):
        return [t["reference"] for t in client.get(f"/api/tickets/?{query}").json()["results"]]

    assert refs("q=vpn") == [vpn.reference]
    assert refs("priority=high") == [vpn.reference]
    assert refs(f"customer={client_user.customer_id}") == [vpn.reference]
    assert refs("assignee=none&status=new") and refs("breached=true") == []


@pytest.mark.parametrize("size", [2, 10])
def test_the_list_costs_the_same_queries_whatever_the_page_size(
    client, client_user, agent, configured, django_assert_num_queries, size
):
    for _ in range(12):
        pinned_ticket(client_user, agent)
    login_as(client, agent)
    url = f"/api/tickets/?ordering=first_response_due_at&page_size={size}"
    client.get(url)  # the host's tenant is cached from now on
    # membership with its user (the session comes from the cache); rows with a deadline, rows
    # without; requesters and assignees (with users) together; categories
    with django_assert_num_queries(5):
        response = client.get(url)
    assert len(response.json()["results"]) == size


def test_messages_are_stored_sanitised(client, client_user, configured):
    ticket = make_ticket(client_user)
    login_as(client, client_user)
    post_json(client, f"/api/tickets/{ticket.reference}/messages/", {"body": "<script>x</script>"})
    assert "<script>" not in Message.objects.get().body_html


def test_the_schema_lists_the_ticket_endpoints(client, tenant):
    response = client.get("/api/schema/", HTTP_HOST=host(tenant))
    assert response.status_code == 200
    assert b"/api/tickets/{reference}/messages/" in response.content


def test_deadline_moves_when_the_priority_changes_via_services(client_user, agent, configured):
    from tickets import services

    with time_machine.travel(T0, tick=False):
        ticket = make_ticket(client_user, priority="low")
        services.ticket_set_priority(
            tenant=ticket.tenant, ticket=ticket, priority=sla_config(ticket.tenant)["critical"],
            actor=agent,
        )  # fmt: skip
    assert ticket.first_response_due_at == T0 + timedelta(hours=1)


def test_a_ticket_that_goes_overdue_quietly_is_breached_in_the_api_and_the_filter(
    client, client_user, other_client, agent, configured
):
    """No event touches the ticket after its deadline: the stored flag is still false, yet
    the API and the `breached` filter tell the truth at that instant."""
    with time_machine.travel(T0, tick=False):
        late = make_ticket(client_user, subject="Quietly late", priority="critical")  # 1 h
        calm = make_ticket(other_client, subject="Calm", priority="low")  # 24 h
    login_as(client, agent)

    def listed(query):
        return [t["reference"] for t in client.get(f"/api/tickets/?{query}").json()["results"]]

    with time_machine.travel(T0 + timedelta(minutes=59), tick=False):
        assert client.get(f"/api/tickets/{late.reference}/").json()["is_breached"] is False
        assert listed("breached=true") == []
    with time_machine.travel(T0 + timedelta(hours=1, minutes=1), tick=False):
        assert not Ticket.objects.get(pk=late.pk).is_breached  # no event: the column is stale
        assert client.get(f"/api/tickets/{late.reference}/").json()["is_breached"] is True
        assert listed("breached=true") == [late.reference]
        assert listed("breached=false") == [calm.reference]
        queue = client.get("/queue/?breached=true").content.decode()
        assert late.reference in queue and calm.reference not in queue
        assert 'class="badge breached"' in queue  # the row shows it too


def test_the_requester_is_found_by_its_address_in_any_case_but_not_by_a_look_alike(
    client, client_user, agent, configured
):
    """PostgreSQL's UPPER('ı') is 'I': an iexact lookup took client@ınitech.example (dotless
    i) for client@initech.example."""
    login_as(client, agent)
    payload = {"subject": "Called in", "description": "By phone", "priority": "high",
               "channel": "phone"}  # fmt: skip
    look_alike = client_user.user.email.replace("initech", "\u0131nitech")
    response = post_json(client, "/api/tickets/", payload | {"requester": look_alike})
    assert response.status_code == 400 and "requester" in response.json()
    response = post_json(client, "/api/tickets/", payload | {"requester": "CLIENT@Initech.example"})
    assert response.status_code == 201
