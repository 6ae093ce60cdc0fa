"""The report page, its CSVs, the API and the statement, over tickets made through the
tickets services with time moved by time-machine."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
import time_machine

from tenants.roles import ROLE_PERMISSIONS, Perm, Role
from tests.conftest import host, login_as
from tests.factories import MembershipFactory, client_membership
from tickets import services

from .conftest import NOW
from .factories import T0, met_ticket, overdue_ticket

RANGE = {"date_from": "2026-03-01", "date_to": "2026-03-31"}
BAR = re.compile(r'data-series="([^"]*)" data-label="([^"]*)" data-value="([^"]*)"')


def _get(client, url, params=None, **extra):
    with time_machine.travel(NOW, tick=False):
        return client.get(url, params or {}, **extra)


def _csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response.streaming
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def _chart(html: str, chart_id: str) -> dict[tuple[str, str], float]:
    svg = html.split(f'id="{chart_id}"', 1)[1].split("</svg>", 1)[0]
    return {(label, series): float(value) for series, label, value in BAR.findall(svg)}


@pytest.fixture
def lead_client(client, team_lead):
    login_as(client, team_lead)
    return client


def test_it_shows_a_breached_and_a_met_ticket(lead_client, world):
    response = _get(lead_client, "/reports/", RANGE)
    assert response.status_code == 200
    report = response.context["report"]
    first = report.totals["first_response"]
    # Initech met (60 min) and never answered (breached 44 h ago: 48 h - 4 h); Umbrella met in
    # 180 min. Percentiles are interpolated: p50 of (60, 180) = 120, p90 = 60 + 0.9 × 120.
    assert (first.met, first.breached, first.open) == (2, 1, 0)
    assert first.attainment == 66.7
    assert first.breach_minutes == 44 * 60
    assert (first.response_p50_minutes, first.response_p90_minutes) == (120.0, 168.0)
    resolution = report.totals["resolution"]
    # Both Initech tickets are 24 h past their 24 h resolution target; Umbrella's is due now.
    assert (resolution.met, resolution.breached, resolution.open) == (0, 2, 1)
    assert resolution.breach_minutes == 2 * 24 * 60
    html = response.content.decode()
    assert 'role="img"' in html and '<title id="chart-monthly-title">' in html
    assert '<desc id="chart-monthly-desc">' in html
    assert "business time" in html
    assert "No escalation in this range." in html


def test_an_answer_after_the_deadline_counts_as_breached(lead_client, tenant, agent, client_user):
    ticket = overdue_ticket(client_user)
    with time_machine.travel(T0 + timedelta(hours=5), tick=False):  # 1 h after the 4 h target
        services.ticket_reply(tenant=tenant, ticket=ticket, author=agent, body="Sorry")
    first = _get(lead_client, "/reports/", RANGE).context["report"].totals["first_response"]
    assert (first.met, first.breached) == (0, 1)
    assert first.breach_minutes == 60.0
    assert first.response_p50_minutes == 300.0  # 5 h of business time (a 24/7 calendar)


def test_per_customer_figures(lead_client, world, customer, other_customer):
    report = _get(lead_client, "/reports/", RANGE).context["report"]
    first = {
        line.customer.name: line.figures
        for line in report.by_customer
        if line.metric == "first_response"
    }
    assert set(first) == {"Initech", "Umbrella"}
    assert (first["Initech"].met, first["Initech"].breached) == (1, 1)
    assert first["Initech"].attainment == 50.0
    assert (first["Umbrella"].met, first["Umbrella"].breached) == (1, 0)
    assert first["Umbrella"].response_p50_minutes == 180.0
    only = _get(lead_client, "/reports/", {**RANGE, "customer": other_customer.pk})
    totals = only.context["report"].totals["first_response"]
    assert (totals.met, totals.breached) == (1, 0)


def test_the_plan_filter_and_the_plan_priority_month_lines(lead_client, world, other_customer):
    report = _get(lead_client, "/reports/", RANGE).context["report"]
    lines = {
        (line.plan.key, line.priority.key, line.month, line.metric): line.figures
        for line in report.by_plan_priority_month
    }
    umbrella_plan = other_customer.plan.key
    assert lines[(umbrella_plan, "high", "2026-03", "first_response")].met == 1
    assert sum(f.breached for k, f in lines.items() if k[3] == "first_response") == 1
    filtered = _get(lead_client, "/reports/", {**RANGE, "plan": umbrella_plan})
    assert filtered.context["report"].totals["first_response"].met == 1
    assert filtered.context["report"].totals["first_response"].breached == 0


def test_months_are_the_providers_months(lead_client, tenant, agent, client_user):
    # 02:00 UTC on 1 April is still 31 March in New York (the tenant's zone).
    met_ticket(client_user, agent, at=T0.replace(month=4, day=1, hour=2))
    report = _get(lead_client, "/reports/", {"date_from": "2026-03-01", "date_to": "2026-04-30"})
    by_month = report.context["report"].by_month
    assert by_month[("2026-03", "first_response")].met == 1
    assert ("2026-04", "first_response") not in by_month


def test_the_csv_matches_the_charts_data(lead_client, world):
    page = _get(lead_client, "/reports/", RANGE)
    html = page.content.decode()
    monthly = _chart(html, "chart-monthly")
    customers = _chart(html, "chart-customers")
    assert monthly  # the chart has bars to compare
    summary = _csv(_get(lead_client, "/reports/sla.csv", RANGE))
    from_csv = {
        (row["month"], row["metric"]): float(row["attainment_percent"])
        for row in summary
        if row["breakdown"] == "month" and row["attainment_percent"]
    }
    assert from_csv == monthly
    from_csv_customers = {
        (row["customer"], row["metric"]): float(row["attainment_percent"])
        for row in summary
        if row["breakdown"] == "customer" and row["attainment_percent"]
    }
    assert from_csv_customers == customers
    # And the per-clock export adds up to the same chart, row by row.
    clocks = _csv(_get(lead_client, "/reports/clocks.csv", RANGE))
    counts: dict[tuple[str, str], list[int]] = {}
    for row in clocks:
        met_breached = counts.setdefault((row["month"], row["metric"]), [0, 0])
        if row["outcome"] in ("met", "breached"):
            met_breached[row["outcome"] == "breached"] += 1
    from_clocks = {
        key: round(100 * met / (met + breached), 1)
        for key, (met, breached) in counts.items()
        if met + breached
    }
    assert from_clocks == monthly
    assert len(clocks) == 6  # three tickets, two clocks each; none of the other tenant's


def test_the_api_gives_the_pages_figures(lead_client, world):
    page = _get(lead_client, "/reports/", RANGE).context["report"]
    api = _get(lead_client, "/api/reports/sla/", RANGE)
    assert api.status_code == 200
    data = api.json()
    totals = {row["metric"]: row for row in data["totals"]}
    for metric, figures in page.totals.items():
        expected = figures.as_dict()
        assert {k: totals[metric][k] for k in expected} == expected
    assert {(r["month"], r["metric"]): r["attainment_percent"] for r in data["by_month"]} == {
        key: figures.attainment for key, figures in page.by_month.items()
    }
    assert len(data["by_plan_priority_month"]) == len(page.by_plan_priority_month)
    assert {(r["customer"], r["metric"]): r["met"] for r in data["by_customer"]} == {
        (line.customer.name, line.metric): line.figures.met for line in page.by_customer
    }
    assert data["escalations"] == {"available": True, "message": "", "levels": []}


def test_another_tenants_clocks_are_never_counted(client, world, outsider, tenant):
    login_as(client, outsider)
    report = _get(client, "/reports/", RANGE).context["report"]
    # Globex's own two overdue tickets, and nothing of Acme's three.
    assert report.totals["first_response"].breached == 2
    assert report.totals["first_response"].met == 0
    names = {line.customer.name for line in report.by_customer}
    assert names == {"Hooli"}
    clocks = _csv(_get(client, "/reports/clocks.csv", RANGE))
    assert {row["ticket"][:3] for row in clocks} == {"GLX"}


def test_another_tenants_customer_is_not_a_filter(lead_client, world, other_tenant):
    from tests.factories import CustomerFactory

    theirs = CustomerFactory(tenant=other_tenant)
    response = _get(lead_client, "/reports/", {**RANGE, "customer": theirs.pk})
    assert response.status_code == 400
    assert "customer" in response.context["form"].errors
    api = _get(lead_client, "/api/reports/sla/", {**RANGE, "customer": theirs.pk})
    assert api.status_code == 400 and "customer" in api.json()


def test_a_nul_in_a_filter_is_refused_at_the_door(lead_client, tenant):
    """Control characters never reach a form: the input guard answers 400 for every route."""
    for url in ("/reports/", "/api/reports/sla/", "/reports/sla.csv", "/reports/clocks.csv"):
        assert _get(lead_client, url, {"customer": "a\x00b"}).status_code == 400


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date_from": "2026-13-45"}, "date_from"),
        ({"date_to": "yesterday"}, "date_to"),
        ({"date_from": "2026-04-01", "date_to": "2026-03-01"}, "date_to"),
        ({"date_from": "2020-01-01", "date_to": "2026-03-01"}, "date_to"),
        ({"date_from": "9999-12-31", "date_to": "9999-12-31"}, "date_from"),
        ({"plan": "no-such-plan"}, "plan"),
        ({"customer": "\u00b2"}, "customer"),
        ({"customer": "99999999999999999999999"}, "customer"),
    ],
)
def test_bad_filters_are_a_400_with_field_errors(lead_client, tenant, params, field):
    page = _get(lead_client, "/reports/", params)
    assert page.status_code == 400
    assert field in page.context["form"].errors
    api = _get(lead_client, "/api/reports/sla/", params)
    assert api.status_code == 400
    assert field in api.json()
    for url in ("/reports/sla.csv", "/reports/clocks.csv"):
        export = _get(lead_client, url, params)
        assert export.status_code == 400
        assert field in export.content.decode()


@pytest.mark.parametrize("role", list(Role))
def test_who_may_see_the_reports(client, tenant, customer, role):
    if role in (Role.CLIENT, Role.CLIENT_ADMIN):
        member = client_membership(tenant, customer, role=role)
    else:
        member = MembershipFactory(tenant=tenant, role=role)
    login_as(client, member)
    allowed = Perm.REPORTS_VIEW in ROLE_PERMISSIONS[role]
    urls = [
        "/reports/",
        "/reports/sla.csv",
        "/reports/clocks.csv",
        "/api/reports/sla/",
        f"/reports/statements/{customer.pk}/2026-03/",
    ]
    for url in urls:
        assert _get(client, url).status_code == (200 if allowed else 404), url
    if role not in (Role.CLIENT, Role.CLIENT_ADMIN):
        assert ('href="/reports/"' in _get(client, "/queue/").content.decode()) == allowed


def test_anonymous_visitors_sign_in(client, tenant, customer):
    response = client.get("/reports/", HTTP_HOST=host(tenant))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get("/api/reports/sla/", HTTP_HOST=host(tenant)).status_code in (401, 403)


def test_the_page_costs_a_fixed_number_of_queries(
    lead_client, world, tenant, agent, client_user, django_assert_num_queries
):
    _get(lead_client, "/reports/", RANGE)  # host -> tenant is cached from here on
    # session + membership (1), plans, priorities, customers (3), the GROUPING SETS (1),
    # the header's unread-notifications badge (1), the escalations (1).
    with django_assert_num_queries(7):
        _get(lead_client, "/reports/", RANGE)
    for day in range(5):  # more tickets, customers and months: still the same statements
        met_ticket(client_user, agent, at=T0 + timedelta(days=day, hours=3))
        overdue_ticket(client_user, at=T0 - timedelta(days=1 + 12 * day))
    with django_assert_num_queries(7):
        page = _get(lead_client, "/reports/", {"date_from": "2025-12-01", "date_to": "2026-03-31"})
    assert page.context["report"].totals["first_response"].breached == 6
    with django_assert_num_queries(6):
        _get(lead_client, "/api/reports/sla/", RANGE)
    with django_assert_num_queries(6):  # the CSV: the same statements, then streamed
        _csv(_get(lead_client, "/reports/sla.csv", RANGE))


def test_the_api_is_documented_in_the_schema(lead_client):
    response = lead_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    operation = response.json()["paths"]["/api/reports/sla/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {
        "date_from",
        "date_to",
        "plan",
        "customer",
    }
    assert {"200", "400"} <= set(operation["responses"])
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("/SlaReport")


def test_peoples_text_cannot_become_a_spreadsheet_formula(lead_client, tenant, agent):
    from tests.reports.factories import requester_of

    requester = requester_of(tenant, '=HYPERLINK("http://evil.example","x")')
    met_ticket(requester, agent)
    summary = _csv(_get(lead_client, "/reports/sla.csv", RANGE))
    names = {row["customer"] for row in summary if row["breakdown"] == "customer"}
    assert names == {'\'=HYPERLINK("http://evil.example","x")'}
    clocks = _csv(_get(lead_client, "/reports/clocks.csv", RANGE))
    assert {row["customer"][:2] for row in clocks} == {"'="}
