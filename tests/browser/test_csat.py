"""A resolved ticket's requester rates it from the email link, without signing in, and the
satisfaction report counts the rating — in Chromium."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from notifications.outbound.models import Notification
from satisfaction.models import Survey
from satisfaction.services import satisfaction_requests_scan_cross_tenant, settings_update
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from tests.tickets.factories import make_ticket
from tickets.services import ticket_resolve

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_requester_rates_from_the_email_link_and_the_report_counts_it(
    client_user, agent, manager, browser, page, tenant_url
):
    tenant = client_user.tenant
    settings_update(tenant=tenant, enabled=True, delay_minutes=60, valid_days=14)
    now = timezone.now()
    ticket = make_ticket(client_user, subject="Invoices fail to export")
    ticket_resolve(tenant=tenant, ticket=ticket, actor=agent, at=now - timedelta(hours=2))
    assert satisfaction_requests_scan_cross_tenant(now=now) == 1

    body = Notification.objects.get(kind="satisfaction_request", recipient=client_user).body
    link = urlparse(re.search(r"(https?://\S+/satisfaction/\S+\?score=5)", body).group(1))
    # Never signed in: the signed link is the only credential.
    page.goto(tenant_url("acme", f"{link.path}?{link.query}"))
    expect(page.locator("input[name=score][value='5']")).to_be_checked()
    page.fill("textarea[name=comment]", "Fixed within the hour, thank you.")
    page.click("#csat-submit")
    expect(page.locator("#rated")).to_contain_text("Thank you! You rated this 5 out of 5")
    survey = Survey.objects.get(ticket=ticket)
    assert (survey.score, survey.comment) == (5, "Fixed within the hour, thank you.")

    # The same link again: already rated, nothing changes.
    page.goto(tenant_url("acme", f"{link.path}?score=1"))
    expect(page.locator("#rated")).to_contain_text("You rated this 5 out of 5")
    expect(page.locator("#csat-submit")).to_have_count(0)

    manager_context = browser.new_context()
    manager_page = manager_context.new_page()
    sign_in(manager_page, tenant_url("acme", "/accounts/login/"), manager.user.email, PASSWORD)
    manager_page.goto(tenant_url("acme", "/reports/"))
    manager_page.click("text=Customer satisfaction (CSAT)")
    expect(manager_page.locator("#csat-total [data-col=count]")).to_have_text("1")
    expect(manager_page.locator("#csat-total [data-col=csat]")).to_have_text("100.0%")
    expect(manager_page.locator("#csat-customer")).to_contain_text(client_user.customer.name)
    manager_context.close()


def test_the_requester_rates_from_the_portal_prompt(client_user, agent, page, tenant_url):
    """Signed in, on the resolved ticket's page: a real form post, CSRF token and all."""
    tenant = client_user.tenant
    settings_update(tenant=tenant, enabled=True, delay_minutes=0, valid_days=14)
    ticket = make_ticket(client_user, subject="VPN drops every hour")
    ticket_resolve(tenant=tenant, ticket=ticket, actor=agent)
    assert satisfaction_requests_scan_cross_tenant() == 1

    sign_in(page, tenant_url("acme", "/accounts/login/"), client_user.user.email, PASSWORD)
    page.goto(tenant_url("acme", f"/tickets/{ticket.reference}/"))
    prompt = page.locator("#csat-prompt")
    prompt.locator("input[name=score][value='2']").check()
    prompt.locator("textarea[name=comment]").fill("Took three days.")
    prompt.locator("button:has-text('Submit rating')").click()
    expect(page.locator("#rated")).to_contain_text("You rated this 2 out of 5")
    page.goto(tenant_url("acme", f"/tickets/{ticket.reference}/"))
    expect(page.locator("#csat-prompt")).to_contain_text("You rated this 2 out of 5")
    survey = Survey.objects.get(ticket=ticket)
    assert (survey.score, survey.comment, survey.rated_by) == (2, "Took three days.", client_user)
