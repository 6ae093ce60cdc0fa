"""The escalations API: list and filters, acknowledge, resolve, client requests; ownership."""

from __future__ import annotations

import pytest

from escalation import api, services
from escalation.models import Escalation, Source, Status
from tenants.roles import Role
from tests.conftest import login_as
from tests.factories import MembershipFactory

from .factories import ladder, role_level, ticket_for


@pytest.fixture
def setup(tenant, client_user, manager, lead):
    ladder(tenant, [role_level(Role.TEAM_LEAD), role_level(Role.MANAGER)])
    return ticket_for(tenant, requester=client_user)


def escalate(client, reference, reason="It has been two days"):
    return client.post(f"/api/tickets/{reference}/escalate/", {"reason": reason},
                       content_type="application/json")  # fmt: skip


@pytest.mark.django_db
def test_a_client_requests_escalation_201_then_409(client, client_user, setup):
    login_as(client, client_user)
    response = escalate(client, setup.reference)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["ticket"] == setup.reference and body["level"] == 1
    assert body["source"] == "client_request" and body["status"] == "open"
    assert body["acknowledge_by"] and body["acknowledged_at"] is None
    second = escalate(client, setup.reference)
    assert second.status_code == 409
    assert "already open" in second.json()["detail"]


@pytest.mark.django_db
def test_a_request_without_reason_is_a_400_with_the_field(client, client_user, setup):
    login_as(client, client_user)
    response = escalate(client, setup.reference, reason="")
    assert response.status_code == 400 and "reason" in response.json()


@pytest.mark.django_db
def test_another_customers_ticket_is_a_404(client, other_client, setup):
    login_as(client, other_client)
    assert escalate(client, setup.reference).status_code == 404


@pytest.mark.django_db
def test_an_agent_escalation_has_source_agent(client, agent, setup):
    login_as(client, agent)
    response = escalate(client, setup.reference)
    assert response.status_code == 201 and response.json()["source"] == "agent"


@pytest.mark.django_db
def test_list_filters_and_query_count(
    client, tenant, manager, agent, setup, django_assert_num_queries
):
    services.escalation_open(tenant=tenant, ticket=setup, source=Source.AGENT, reason="a",
                             requested_by=agent)  # fmt: skip
    other = ticket_for(tenant)
    services.escalation_open(tenant=tenant, ticket=other, source=Source.AGENT, reason="b",
                             requested_by=agent)  # fmt: skip
    login_as(client, manager)
    # session, membership, page of escalations (the ticket joined in).
    with django_assert_num_queries(3):
        response = client.get("/api/escalations/")
    assert response.status_code == 200
    assert {r["ticket"] for r in response.json()["results"]} == {setup.reference, other.reference}
    filtered = client.get("/api/escalations/", {"ticket": setup.reference, "level": 1,
                                                "source": "agent", "status": "open"})  # fmt: skip
    assert [r["ticket"] for r in filtered.json()["results"]] == [setup.reference]
    assert client.get("/api/escalations/", {"level": 2}).json()["results"] == []
    bad = client.get("/api/escalations/", {"level": "x", "source": "nope", "status": "gone"})
    assert bad.status_code == 400 and {"level", "source", "status"} <= set(bad.json())


@pytest.mark.parametrize(
    "params, field",
    [
        ({"cursor": "garbage"}, "cursor"),
        # A well-formed DRF cursor whose position is no timestamp.
        ({"cursor": "cD1ub3QtYS1kYXRl"}, "cursor"),
        ({"cursor": "bz0tMQ=="}, "cursor"),  # a negative offset
        ({"status": ","}, "status"),  # no status at all is no filter, not "match nothing"
        ({"status": ",,"}, "status"),
    ],
)
@pytest.mark.django_db
def test_bad_list_parameters_are_400s_naming_the_field(client, manager, setup, params, field):
    """Like /api/tickets/: a cursor the API did not make is a 400 on `cursor`, not a 404."""
    login_as(client, manager)
    response = client.get("/api/escalations/", params)
    assert response.status_code == 400, response.content
    assert field in response.json()


@pytest.mark.django_db
def test_the_next_link_still_pages_through_every_escalation(
    client, tenant, manager, agent, setup, monkeypatch
):
    """The cursor check accepts the cursors the API itself makes."""
    monkeypatch.setattr(api.EscalationPagination, "page_size", 2)
    for _ in range(5):
        services.escalation_open(tenant=tenant, ticket=ticket_for(tenant), source=Source.AGENT,
                                 reason="a", requested_by=agent)  # fmt: skip
    login_as(client, manager)
    seen, url = [], "/api/escalations/"
    while url:
        page = client.get(url)
        assert page.status_code == 200, page.content
        seen += [row["id"] for row in page.json()["results"]]
        url = page.json()["next"]
    assert len(seen) == len(set(seen)) == 5


@pytest.mark.django_db
def test_acknowledge_and_resolve(client, tenant, lead, agent, setup):
    escalation = services.escalation_open(tenant=tenant, ticket=setup, source=Source.AGENT,
                                          reason="a", requested_by=agent)  # fmt: skip
    login_as(client, lead)
    url = f"/api/escalations/{escalation.pk}/"
    response = client.post(url + "acknowledge/")
    assert response.status_code == 200 and response.json()["status"] == "acknowledged"
    assert response.json()["acknowledged_at"]
    assert client.post(url + "acknowledge/").status_code == 400
    assert client.post(url + "resolve/", {}, content_type="application/json").status_code == 400
    done = client.post(url + "resolve/", {"outcome": "Fixed"}, content_type="application/json")
    assert done.status_code == 200 and done.json()["status"] == "resolved"
    assert Escalation.objects.get().status == Status.RESOLVED


@pytest.mark.django_db
def test_visibility_clients_never_agents_when_named(client, tenant, client_user, agent, setup):
    escalation = services.escalation_open(tenant=tenant, ticket=setup, source=Source.AGENT,
                                          reason="a", requested_by=agent)  # fmt: skip
    login_as(client, client_user)
    assert client.get("/api/escalations/").status_code == 404
    assert client.post(f"/api/escalations/{escalation.pk}/acknowledge/").status_code == 404
    # The level names team leads: an agent neither sees nor acts on it.
    login_as(client, agent)
    assert client.get("/api/escalations/").json()["results"] == []
    assert client.post(f"/api/escalations/{escalation.pk}/acknowledge/").status_code == 404


@pytest.mark.django_db
def test_another_tenants_escalation_is_a_404(client, tenant, agent, setup, other_tenant, outsider):
    escalation = services.escalation_open(tenant=tenant, ticket=setup, source=Source.AGENT,
                                          reason="a", requested_by=agent)  # fmt: skip
    login_as(client, outsider)
    assert client.get("/api/escalations/").json()["results"] == []
    for action in ("acknowledge", "resolve"):
        response = client.post(f"/api/escalations/{escalation.pk}/{action}/",
                               {"outcome": "x"}, content_type="application/json")  # fmt: skip
        assert response.status_code == 404
    assert escalate(client, setup.reference).status_code == 404
    MembershipFactory(tenant=other_tenant, role=Role.MANAGER)
    assert Escalation.objects.get().status == Status.OPEN
