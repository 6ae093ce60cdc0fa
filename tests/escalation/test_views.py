"""Escalation pages: the dashboard and who sees what, actions, the portal request panel, the
work page, and the ladder settings pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from escalation import services, views
from escalation.models import (
    Escalation,
    EscalationLadder,
    EscalationLevel,
    Source,
    Status,
    TargetKind,
)
from tenants.roles import Role
from tests.conftest import login_as

from .factories import business_calendar, ladder, role_level, ticket_for

MONDAY_4PM = datetime(2026, 3, 2, 21, tzinfo=UTC)


@pytest.fixture
def setup(tenant, client_user, manager, lead):
    ladder(tenant, [role_level(Role.TEAM_LEAD, calendar=business_calendar(tenant)),
                    role_level(Role.MANAGER)])  # fmt: skip
    return ticket_for(tenant, requester=client_user)


def _open(tenant, ticket, by, source=Source.AGENT):
    return services.escalation_open(tenant=tenant, ticket=ticket, source=source, reason="why",
                                    requested_by=by, at=MONDAY_4PM)  # fmt: skip


@pytest.mark.django_db
def test_dashboard_visibility(client, tenant, setup, manager, lead, agent, client_user, tier2):
    escalation = _open(tenant, setup, agent)
    for member, sees in ((manager, True), (lead, True), (agent, False), (tier2, False)):
        login_as(client, member)
        page = client.get("/escalations/")
        assert page.status_code == 200
        assert (setup.reference in page.content.decode()) is sees, member.role
        detail = client.get(f"/escalations/{escalation.pk}/")
        assert detail.status_code == (200 if sees else 404)
    login_as(client, client_user)
    assert client.get("/escalations/").status_code == 404
    assert client.get(f"/escalations/{escalation.pk}/").status_code == 404


@pytest.mark.django_db
def test_dashboard_filters_and_counts(client, tenant, setup, manager, agent):
    _open(tenant, setup, agent)
    login_as(client, manager)
    page = client.get("/escalations/", {"level": "2"})
    assert setup.reference not in page.content.decode()
    page = client.get("/escalations/", {"level": "1", "source": "agent", "owner": ""})
    assert setup.reference in page.content.decode()
    assert client.get("/escalations/", {"level": "x"}).status_code == 400
    counts = client.get("/escalations/counts/").content.decode()
    assert 'data-count="open">1<' in counts and 'hx-trigger="every 15s"' in counts


@pytest.mark.django_db
def test_the_dashboard_says_who_a_level_without_one_owner_names(client, tenant, setup, manager,
                                                                 agent):  # fmt: skip
    """Not the form label "Everyone with a role": which role (or tier) is responsible."""
    _open(tenant, setup, agent)
    login_as(client, manager)
    html = client.get("/escalations/").content.decode()
    row = html.split(f">{setup.reference}</a>", 1)[1].split("</tr>", 1)[0]
    assert "Everyone with a role" not in row
    assert "Every team lead" in row


@pytest.mark.django_db
def test_a_full_dashboard_says_it_shows_only_the_first_rows(
    client, tenant, setup, manager, agent, monkeypatch
):
    """Beyond the page size the list is cut: the manager is told, not left to believe that
    these are all the escalations (the counters above count them all)."""
    monkeypatch.setattr(views, "DASHBOARD_SIZE", 2)
    for _ in range(3):
        _open(tenant, ticket_for(tenant), agent)
    login_as(client, manager)
    html = client.get("/escalations/").content.decode()
    assert html.count("data-escalation=") == 2
    assert "Showing the first 2" in html
    assert 'data-count="open">3<' in html
    html = client.get("/escalations/", {"source": "agent", "level": "1"}).content.decode()
    assert "Showing the first 2" in html
    _resolve_all(tenant, manager, keep=2)
    assert "Showing the first" not in client.get("/escalations/").content.decode()


def _resolve_all(tenant, actor, *, keep: int) -> None:
    for escalation in Escalation.objects.filter(tenant=tenant).order_by("id")[keep:]:
        services.escalation_resolve(tenant=tenant, escalation=escalation, actor=actor,
                                    outcome="done")  # fmt: skip


@pytest.mark.django_db
def test_actions_from_the_detail_page(client, tenant, setup, lead, manager, agent):
    escalation = _open(tenant, setup, agent)
    login_as(client, lead)
    base = f"/escalations/{escalation.pk}/"
    assert client.post(base + "acknowledge/").status_code == 302
    assert client.post(base + "acknowledge/").status_code == 400  # already acknowledged
    assert client.post(base + "resolve/", {"outcome": ""}).status_code == 400
    assert client.post(base + "reassign/", {"owner": "999999"}).status_code == 400
    assert client.post(base + "reassign/", {"owner": manager.pk}).status_code == 302
    assert client.post(base + "deescalate/", {}).status_code == 400  # level 1
    assert client.post(base + "resolve/", {"outcome": "Sorted"}).status_code == 302
    escalation.refresh_from_db()
    assert (escalation.status, escalation.owner, escalation.outcome) == (
        Status.RESOLVED, manager, "Sorted")  # fmt: skip


@pytest.mark.django_db
def test_portal_request_shows_when_we_will_acknowledge_in_the_clients_zone(
    client, tenant, setup, client_user
):
    client_user.user.time_zone = "Europe/Paris"
    client_user.user.save()
    login_as(client, client_user)
    with time_machine.travel(MONDAY_4PM, tick=False):
        response = client.post(f"/tickets/{setup.reference}/escalate/", {"reason": "Too slow"})
        assert response.status_code == 302
        page = client.get(f"/tickets/{setup.reference}/").content.decode()
    # 4 business hours (New York 9-17) from Monday 16:00 EST: Tuesday 12:00 EST = 18:00 Paris.
    assert "We will acknowledge it by" in page and "Tue 3 Mar, 18:00" in page
    assert "Europe/Paris" in page and "Request escalation" not in page
    second = client.post(f"/tickets/{setup.reference}/escalate/", {"reason": "again"})
    assert second.status_code == 302
    assert Escalation.objects.filter(ticket=setup).count() == 1


@pytest.mark.django_db
def test_portal_request_without_reason_is_refused(client, setup, client_user):
    login_as(client, client_user)
    client.post(f"/tickets/{setup.reference}/escalate/", {"reason": ""})
    assert not Escalation.objects.exists()
    page = client.get(f"/tickets/{setup.reference}/").content.decode()
    assert "Say why" in page and "Request escalation" in page


@pytest.mark.django_db
def test_agent_escalates_from_the_work_page(client, setup, agent):
    login_as(client, agent)
    assert "Escalate" in client.get(f"/work/{setup.reference}/").content.decode()
    client.post(f"/work/{setup.reference}/escalate/", {"reason": "Customer is a VIP"})
    escalation = Escalation.objects.get()
    assert (escalation.source, escalation.requested_by) == (Source.AGENT, agent)
    page = client.get(f"/work/{setup.reference}/").content.decode()
    assert "Acknowledge by" in page and "escalated" in page


@pytest.mark.django_db
def test_ladder_settings_pages(client, tenant, tenant_admin, manager, lead):
    login_as(client, tenant_admin)
    response = client.post("/settings/escalation/new/", {"name": "", "sources": ["bogus"]})
    assert response.status_code == 400
    assert {"name", "sources"} <= set(response.context["form"].errors)
    response = client.post(
        "/settings/escalation/new/", {"name": "Main", "sources": ["sla_breach", "client_request"]}
    )
    assert response.status_code == 302
    main = EscalationLadder.objects.get(tenant=tenant, name="Main")
    url = f"/settings/escalation/{main.pk}/levels/new/"
    bad = client.post(url, {"position": "1", "name": "Lead", "target_kind": "role",
                            "acknowledge_hours": "0"})  # fmt: skip
    assert bad.status_code == 400
    assert {"target_role", "acknowledge_hours"} <= set(bad.context["form"].errors)
    good = client.post(url, {"position": "1", "name": "Lead", "target_kind": "role",
                             "target_role": "team_lead", "acknowledge_hours": "4"})  # fmt: skip
    assert good.status_code == 302
    level = EscalationLevel.objects.get(ladder=main)
    assert level.acknowledge_within == timedelta(hours=4) and level.calendar is None
    clash = client.post(url, {"position": "1", "name": "Again", "target_kind": "member",
                              "target_member": manager.pk, "acknowledge_hours": "1"})  # fmt: skip
    assert clash.status_code == 400 and "position" in clash.context["form"].errors
    page = client.get("/settings/escalation/").content.decode()
    assert "Main" in page and "Lead" in page
    assert client.post(f"/settings/escalation/levels/{level.pk}/delete/").status_code == 302
    assert not EscalationLevel.objects.filter(pk=level.pk).exists()
    login_as(client, manager)
    assert client.get("/settings/escalation/").status_code == 404


@pytest.mark.django_db
def test_a_level_with_an_open_escalation_cannot_be_deleted(
    client, tenant, setup, tenant_admin, agent
):
    _open(tenant, setup, agent)
    level = EscalationLevel.objects.get(position=1)
    login_as(client, tenant_admin)
    client.post(f"/settings/escalation/levels/{level.pk}/delete/")
    assert EscalationLevel.objects.filter(pk=level.pk).exists()
    assert level.target_kind == TargetKind.ROLE


@pytest.mark.django_db
def test_the_dashboard_query_count_does_not_grow_with_rows(client, tenant, setup, manager, agent):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _open(tenant, setup, agent)
    login_as(client, manager)
    client.get("/escalations/")  # warm the session cache
    with CaptureQueriesContext(connection) as few:
        assert client.get("/escalations/").status_code == 200
    for _ in range(4):
        _open(tenant, ticket_for(tenant), agent)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/escalations/")
    assert page.content.decode().count("data-escalation=") == 5
    assert len(many) == len(few)
