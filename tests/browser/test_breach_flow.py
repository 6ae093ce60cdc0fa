"""A bytez premium critical ticket breaches; the SLA scan escalates it to the team lead, who
sees it on /escalations/; nobody acknowledges, the acknowledgement scan climbs it to the
account manager, who acknowledges it; the ticket's history shows every step, and the client's
own escalation request shows its acknowledgement deadline — in Chromium, on the demo data.

Time: `time_machine.travel(..., tick=True)` patches the clock process-wide, so the live
server's thread sees the same instants as the test (as in test_escalation_flow)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from playwright.sync_api import expect

from escalation.breach_scan import sla_scan_cross_tenant
from escalation.models import Escalation, Source, Status
from escalation.scan import escalation_scan_cross_tenant
from sla.models import Priority, SlaClock
from tenants.models import Membership, Tenant
from tests.browser.conftest import sign_in
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db(transaction=True)

# Monday 2 March 2026, 10:00 in New York.
MONDAY = datetime(2026, 3, 2, 15, tzinfo=UTC)
PASSWORD = "demo"


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("load_demo")


def test_a_breach_climbs_from_the_lead_to_the_account_manager(demo, browser, page, tenant_url):
    tenant = Tenant.objects.get(slug="bytez")
    client = Membership.objects.get(tenant=tenant, user__email="client@premium.bytez.example")
    critical = Priority.objects.filter(tenant=tenant).order_by("order").first()
    account_manager = client.customer.account_manager
    login = tenant_url("bytez", "/accounts/login/")

    with time_machine.travel(MONDAY, tick=True):
        ticket = make_ticket(client, priority=critical.key, subject="Checkout is down")
        # The client asks for an escalation and is told when it will be acknowledged.
        sign_in(page, login, client.user.email, PASSWORD)
        page.goto(tenant_url("bytez", f"/tickets/{ticket.reference}/"))
        page.fill("#escalation-reason", "Our shop is down.")
        page.click("button:has-text('Request escalation')")
        expect(page.locator("#escalation")).to_contain_text("We will acknowledge it by")
    deadline = SlaClock.objects.get(ticket=ticket, metric="first_response").due_at
    assert deadline == MONDAY + timedelta(hours=1)  # premium P1: 1 h, 24/7

    # Past the deadline: the scan records the breach and escalates it to the team lead.
    with time_machine.travel(deadline + timedelta(minutes=1), tick=True):
        result = sla_scan_cross_tenant()
        assert (result.breached, result.escalated) == (1, 1)
        lead_context = browser.new_context()
        lead_page = lead_context.new_page()
        lead_page.set_default_timeout(10_000)
        sign_in(lead_page, login, "lead@bytez.example", PASSWORD)
        lead_page.goto(tenant_url("bytez", "/escalations/"))
        row = lead_page.locator("table.escalations tbody tr", has_text=ticket.reference).filter(
            has_text="SLA breach"
        )
        expect(row).to_have_count(1)
        lead_context.close()
    breach = Escalation.objects.get(ticket=ticket, source=Source.SLA_BREACH)
    assert breach.level_number == 1

    # Nobody acknowledges: the acknowledgement scan climbs it to the account manager.
    with time_machine.travel(breach.acknowledge_by + timedelta(minutes=1), tick=True):
        assert escalation_scan_cross_tenant().climbed >= 1
        breach.refresh_from_db()
        assert (breach.level_number, breach.owner) == (2, account_manager)
        manager_context = browser.new_context()
        manager_page = manager_context.new_page()
        manager_page.set_default_timeout(10_000)
        sign_in(manager_page, login, account_manager.user.email, PASSWORD)
        manager_page.goto(tenant_url("bytez", "/escalations/"))
        row = manager_page.locator("table.escalations tbody tr", has_text=ticket.reference)
        row = row.filter(has_text="SLA breach")
        expect(row).to_have_count(1)
        row.locator("button:has-text('Acknowledge')").click()
        expect(manager_page.locator(".messages")).to_contain_text("Escalation acknowledged")

        # The ticket's history shows every step.
        manager_page.goto(tenant_url("bytez", f"/work/{ticket.reference}/"))
        timeline = manager_page.locator("ol.timeline")
        for step in ("sla_breached", "escalated", "escalation_climbed",
                     "escalation_acknowledged", "escalation_requested"):  # fmt: skip
            expect(timeline).to_contain_text(step)
        manager_context.close()

        # The client still sees their request's acknowledgement deadline.
        page.reload()
        expect(page.locator("#escalation .ack-by")).to_be_visible()
    breach.refresh_from_db()
    assert (breach.status, breach.acknowledged_by) == (Status.ACKNOWLEDGED, account_manager)
