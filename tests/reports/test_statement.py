"""The monthly customer statement: one customer's month, printable; another tenant's customer
is a 404."""

from __future__ import annotations

import pytest
import time_machine
from django.conf import settings

from tests.conftest import login_as
from tests.factories import CustomerFactory

from .conftest import NOW


@pytest.fixture
def lead_client(client, team_lead):
    login_as(client, team_lead)
    return client


def _get(client, url):
    with time_machine.travel(NOW, tick=False):
        return client.get(url)


def test_it_shows_the_customers_month(lead_client, world, customer):
    response = _get(lead_client, f"/reports/statements/{customer.pk}/2026-03/")
    assert response.status_code == 200
    statement = response.context["statement"]
    first = statement.totals["first_response"]
    assert (first.met, first.breached, first.attainment) == (1, 1, 50.0)  # Umbrella's not here
    breached = {(row["reference"], row["metric_key"]) for row in statement.breaches}
    late = world["late"].reference
    met = world["met"].reference
    # The unanswered ticket missed both deadlines; the answered one only its resolution.
    assert breached == {(late, "first_response"), (late, "resolution"), (met, "resolution")}
    html = response.content.decode()
    assert "Service level statement: Initech" in html
    # Its print rules come from a stylesheet (an inline <style> would be refused by the CSP).
    assert "css/reports.css" in html and "<style" not in html
    assert "@media print" in (settings.BASE_DIR / "static/css/reports.css").read_text()
    assert world["umbrella"].reference not in html


def test_another_month_is_empty(lead_client, world, customer):
    response = _get(lead_client, f"/reports/statements/{customer.pk}/2026-02/")
    assert response.status_code == 200
    assert response.context["statement"].totals == {}
    assert "No ticket with a service level target was opened this month." in (
        response.content.decode()
    )


@pytest.mark.parametrize(
    "month", ["2026-13", "2026-00", "1999-12", "26-03", "2026-3", "0000-01", "2200-01"]
)
def test_a_month_that_is_not_one_is_a_404(lead_client, customer, month):
    assert _get(lead_client, f"/reports/statements/{customer.pk}/{month}/").status_code == 404


def test_another_tenants_customer_is_a_404(lead_client, other_tenant, world):
    theirs = CustomerFactory(tenant=other_tenant)
    assert _get(lead_client, f"/reports/statements/{theirs.pk}/2026-03/").status_code == 404
    assert _get(lead_client, "/reports/statements/987654/2026-03/").status_code == 404


def test_a_client_cannot_open_their_own_statement(client, client_user, customer):
    login_as(client, client_user)
    assert _get(client, f"/reports/statements/{customer.pk}/2026-03/").status_code == 404
