"""A client files a critical ticket, an agent answers it from the top of the queue, in Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from tests.tickets.factories import make_ticket, sla_config

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(tenant, customer, other_customer, client_user, other_client, agent):
    sla_config(tenant, customer.plan)
    sla_config(tenant, other_customer.plan)
    make_ticket(client_user, priority="low", subject="Old low one")
    make_ticket(other_client, priority="high", subject="Someone else's")
    return {"client": client_user, "other": other_client, "agent": agent}


def test_a_critical_ticket_goes_from_portal_to_queue_and_back(
    world, browser, page, tenant_url, tmp_path
):
    client_user, agent = world["client"], world["agent"]
    sign_in(page, tenant_url("acme", "/accounts/login/"), client_user.user.email, PASSWORD)
    page.goto(tenant_url("acme", "/tickets/new/"))
    page.fill("input[name=subject]", "Production is down")
    page.check("input[name=priority][value=critical]")
    page.fill("textarea[name=description]", "Nothing loads since 09:00.")
    log = tmp_path / "error.txt"
    log.write_text("Traceback: boom\n")
    page.set_input_files("input[name=attachments]", str(log))
    page.click("button:has-text('Submit ticket')")
    expect(page.locator("h1.ticket-title")).to_contain_text("Production is down")
    reference = page.locator("h1.ticket-title .ref").inner_text()
    expect(page.locator("#promise")).to_contain_text("We will respond by")
    expect(page.locator("a:has-text('error.txt')")).to_be_visible()

    agent_context = browser.new_context()
    agent_page = agent_context.new_page()
    sign_in(agent_page, tenant_url("acme", "/accounts/login/"), agent.user.email, PASSWORD)
    agent_page.goto(tenant_url("acme", "/queue/"))
    first_row = agent_page.locator("table.queue tbody tr").first
    expect(first_row).to_have_attribute("data-reference", reference)
    expect(first_row.locator(".badge[data-due]")).to_contain_text("left")
    first_row.locator(f"a:has-text('{reference}')").click()
    agent_page.fill("textarea[name=body]", "Internal: looks like the DB failover.")
    agent_page.click("button:has-text('Add internal note')")
    expect(agent_page.locator(".message.internal")).to_contain_text("DB failover")
    agent_page.fill("textarea[name=body]", "We are on it: failing over now.")
    agent_page.click("button:has-text('Send public reply')")
    expect(agent_page.locator("#ledger")).to_contain_text("Met")
    agent_context.close()

    page.reload()
    expect(page.locator(".conversation")).to_contain_text("failing over now")
    expect(page.locator(".conversation")).not_to_contain_text("DB failover")
    expect(page.locator("[data-metric=first_response] .state")).to_have_text("met")


def test_a_client_cannot_open_another_customers_ticket_by_url(world, page, tenant_url):
    from tickets.models import Ticket

    theirs = Ticket.objects.get(subject="Someone else's")
    client_user = world["client"]
    sign_in(page, tenant_url("acme", "/accounts/login/"), client_user.user.email, PASSWORD)
    response = page.goto(tenant_url("acme", f"/tickets/{theirs.reference}/"))
    assert response.status == 404
    assert "Someone else" not in page.content()


def test_the_ticket_page_fits_a_phone(world, phone_page, tenant_url):
    client_user = world["client"]
    ticket = make_ticket(client_user, subject="A rather long subject line " * 3)
    sign_in(phone_page, tenant_url("acme", "/accounts/login/"), client_user.user.email, PASSWORD)
    phone_page.goto(tenant_url("acme", f"/tickets/{ticket.reference}/"))
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    phone_page.goto(tenant_url("acme", "/tickets/new/"))
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
