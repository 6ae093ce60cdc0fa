"""CSAT figures per agent, plan, customer and month; the CSV says the same as the page."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest

from satisfaction.selectors import csat_report
from satisfaction.services import survey_rate
from tenants.roles import Role
from tests.conftest import login_as
from tests.factories import CustomerFactory, MembershipFactory, PlanFactory, client_membership

from .helpers import csat_on, resolved_ticket, scan, survey_of

pytestmark = pytest.mark.django_db

# Ratings given at 03:00 UTC on 1 April are still 31 March in New York (the tenant's zone).
MARCH_IN_NEW_YORK = datetime(2026, 4, 1, 3, tzinfo=UTC)
APRIL = datetime(2026, 4, 10, 12, tzinfo=UTC)


@pytest.fixture
def rated(tenant, agent):
    """Six ratings: gold (Initech) 5, 4, 2 by the agent in March; silver (Hooli) 5 by a second
    agent and 3 unassigned in April, 1 by the agent in April."""
    csat_on(tenant)
    other_agent = MembershipFactory(tenant=tenant, role=Role.AGENT, user__email="b@acme.example")
    gold, silver = PlanFactory(tenant=tenant, key="gold"), PlanFactory(tenant=tenant, key="silver")
    initech = client_membership(tenant, CustomerFactory(tenant=tenant, name="Initech", plan=gold))
    hooli = client_membership(tenant, CustomerFactory(tenant=tenant, name="Hooli", plan=silver))
    plan = [
        (initech, agent, 5, MARCH_IN_NEW_YORK), (initech, agent, 4, MARCH_IN_NEW_YORK),
        (initech, agent, 2, MARCH_IN_NEW_YORK), (hooli, other_agent, 5, APRIL),
        (hooli, None, 3, APRIL), (hooli, agent, 1, APRIL),
    ]  # fmt: skip
    for requester, assignee, score, at in plan:
        ticket = resolved_ticket(tenant=tenant, requester=requester, assignee=assignee,
                                 resolved_at=at - timedelta(hours=2))  # fmt: skip
        scan(at - timedelta(minutes=30))
        survey_rate(tenant=tenant, survey_id=survey_of(ticket).pk, score=score, at=at)
    # Unrated and another tenant's ratings never count.
    resolved_ticket(tenant=tenant, requester=initech, resolved_at=APRIL - timedelta(hours=2))
    scan(APRIL)
    return {"agent": agent, "other_agent": other_agent}


def _by_key(figures):
    return {f.label: (f.count, f.satisfied, f.csat, f.average) for f in figures}


def test_figures_per_month_agent_plan_and_customer(tenant, rated):
    report = csat_report(tenant=tenant, date_from=date(2026, 3, 1), date_to=date(2026, 4, 30))
    assert (report.total.count, report.total.satisfied, report.total.csat) == (6, 3, 50.0)
    assert report.total.average == 3.33
    assert _by_key(report.by_month) == {
        "March 2026": (3, 2, 66.7, 3.67), "April 2026": (3, 1, 33.3, 3.0),
    }  # fmt: skip
    assert _by_key(report.by_agent) == {
        "agent@acme.example": (4, 2, 50.0, 3.0), "b@acme.example": (1, 1, 100.0, 5.0),
        "Unassigned": (1, 0, 0.0, 3.0),
    }  # fmt: skip
    assert _by_key(report.by_plan) == {"Gold": (3, 2, 66.7, 3.67), "Silver": (3, 1, 33.3, 3.0)}
    assert _by_key(report.by_customer) == {
        "Initech": (3, 2, 66.7, 3.67), "Hooli": (3, 1, 33.3, 3.0),
    }  # fmt: skip


def test_the_date_range_is_in_the_tenants_zone(tenant, rated):
    march = csat_report(tenant=tenant, date_from=date(2026, 3, 1), date_to=date(2026, 3, 31))
    assert march.total.count == 3
    april = csat_report(tenant=tenant, date_from=date(2026, 4, 1), date_to=date(2026, 4, 30))
    assert april.total.count == 3


def test_the_page_and_the_csv_show_the_same_figures(client, tenant, rated, manager):
    login_as(client, manager)
    query = "?date_from=2026-03-01&date_to=2026-04-30"
    page = client.get("/reports/satisfaction/" + query)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="csat-agent"' in html and "agent@acme.example" in html
    assert '<td data-col="csat">50.0%</td>' in html
    response = client.get("/reports/satisfaction.csv" + query)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    total = next(r for r in rows if r["breakdown"] == "total")
    assert (total["ratings"], total["csat_percent"], total["average"]) == ("6", "50.0", "3.33")
    plans = {r["label"]: r["csat_percent"] for r in rows if r["breakdown"] == "plan"}
    assert plans == {"Gold": "66.7", "Silver": "33.3"}
    for row in rows:
        if row["breakdown"] != "total":
            assert f'>{row["label"]}</th><td data-col="count">{row["ratings"]}<' in html


def test_bad_dates_are_a_400_with_the_error(client, manager, rated):
    login_as(client, manager)
    for query in ("?date_from=2026-05-01&date_to=2026-04-01", "?date_from=9999-01-01",
                  "?date_to=nonsense"):  # fmt: skip
        assert client.get("/reports/satisfaction/" + query).status_code == 400
        response = client.get("/reports/satisfaction.csv" + query)
        assert response.status_code == 400 and b"date_" in response.content


def test_agents_and_clients_get_a_404(client, agent, client_user):
    for member in (agent, client_user):
        login_as(client, member)
        assert client.get("/reports/satisfaction/").status_code == 404
        assert client.get("/reports/satisfaction.csv").status_code == 404


def test_the_sla_report_links_to_it(client, manager):
    login_as(client, manager)
    assert b'href="/reports/satisfaction/"' in client.get("/reports/").content


def test_the_report_counts_five_queries(tenant, rated, django_assert_num_queries):
    with django_assert_num_queries(5):
        csat_report(tenant=tenant, date_from=date(2026, 3, 1), date_to=date(2026, 4, 30))
