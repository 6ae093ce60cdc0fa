"""A client asks for an escalation from the portal and sees when it will be acknowledged (in
their own zone); the team lead finds it on /escalations/ and acknowledges it — in Chromium."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from playwright.sync_api import expect

from escalation.models import Escalation, Status
from tenants.roles import Role
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from tests.escalation.factories import business_calendar, ladder, role_level
from tests.factories import MembershipFactory
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db(transaction=True)

# Monday 2 March 2026, 16:00 in New York: one business hour left that day.
MONDAY_4PM = datetime(2026, 3, 2, 21, tzinfo=UTC)


@pytest.fixture
def world(tenant, client_user, manager):
    lead = MembershipFactory(tenant=tenant, role=Role.TEAM_LEAD, user__email="lead@acme.example")
    ladder(tenant, [role_level(Role.TEAM_LEAD, calendar=business_calendar(tenant)),
                    role_level(Role.MANAGER)])  # fmt: skip
    client_user.user.time_zone = "Europe/Paris"
    client_user.user.save()
    return {"client": client_user, "lead": lead}


def test_a_client_escalation_is_promised_seen_and_acknowledged(world, browser, page, tenant_url):
    client_user, lead = world["client"], world["lead"]
    with time_machine.travel(MONDAY_4PM, tick=True):
        ticket = make_ticket(client_user, subject="Invoices fail to export")
        sign_in(page, tenant_url("acme", "/accounts/login/"), client_user.user.email, PASSWORD)
        page.goto(tenant_url("acme", f"/tickets/{ticket.reference}/"))
        page.fill("#escalation-reason", "Two days without an answer.")
        page.click("button:has-text('Request escalation')")
        panel = page.locator("#escalation")
        # 4 business hours (New York, 9-17) from Monday 16:00: Tuesday 12:00 = 18:00 Paris.
        expect(panel).to_contain_text("We will acknowledge it by Tue 3 Mar, 18:00")
        expect(panel).to_contain_text("Europe/Paris")
        expect(page.locator("button:has-text('Request escalation')")).to_have_count(0)

        lead_context = browser.new_context()
        lead_page = lead_context.new_page()
        sign_in(lead_page, tenant_url("acme", "/accounts/login/"), lead.user.email, PASSWORD)
        lead_page.goto(tenant_url("acme", "/escalations/"))
        expect(lead_page.locator("#escalation-counts [data-count=open]")).to_have_text("1")
        row = lead_page.locator("table.escalations tbody tr", has_text=ticket.reference)
        expect(row).to_contain_text("Client request")
        row.locator("button:has-text('Acknowledge')").click()
        expect(lead_page.locator(".messages")).to_contain_text("Escalation acknowledged")
        expect(lead_page.locator("dd.status-acknowledged")).to_have_text("Acknowledged")
        lead_context.close()

        page.reload()
        expect(page.locator(".escalation-status")).to_have_attribute("data-status", "acknowledged")
    escalation = Escalation.objects.get(ticket=ticket)
    assert (escalation.status, escalation.acknowledged_by) == (Status.ACKNOWLEDGED, lead)
