"""With the Content-Security-Policy on, the pages' JavaScript still works in real Chromium and
the browser reports no violation (issue #8 item 6)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from tests.tickets.factories import make_ticket, sla_config
from tickets.models import CannedResponse

pytestmark = pytest.mark.django_db(transaction=True)

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


@pytest.fixture
def watched(page):
    """The page, recording CSP violations from events and from the console."""
    console = []
    page.add_init_script(RECORD_VIOLATIONS)
    page.on(
        "console",
        lambda msg: console.append(msg.text) if "Content Security Policy" in msg.text else None,
    )

    def violations() -> list[str]:
        return page.evaluate("window.__cspViolations || []") + console

    return page, violations


def test_queue_badges_tick_and_canned_responses_fill_under_the_policy(
    watched, tenant, customer, client_user, agent, tenant_url
):
    page, violations = watched
    sla_config(tenant, customer.plan)
    ticket = make_ticket(client_user, priority="critical", subject="Badge check")
    CannedResponse.objects.create(tenant=tenant, title="Thanks", body="Thanks for waiting.")

    sign_in(page, tenant_url("acme", "/accounts/login/"), agent.user.email, PASSWORD)
    response = page.goto(tenant_url("acme", "/queue/"))
    assert "script-src 'self'" in response.headers["content-security-policy"]
    badge = page.locator("table.queue tbody tr .badge[data-due]").first
    # The text is written by static/js/app.js: it only appears if the script ran.
    expect(badge).to_contain_text("left")
    expect(badge).to_have_class(re.compile("on-track|at-risk"))

    page.goto(tenant_url("acme", f"/work/{ticket.reference}/"))
    page.select_option("select#canned", label="Thanks")
    expect(page.locator("#id_body")).to_have_value(re.compile("Thanks for waiting"))
    assert violations() == []


def test_portal_and_profile_pages_raise_no_violation(
    watched, tenant, customer, client_user, tenant_url
):
    page, violations = watched
    sla_config(tenant, customer.plan)
    ticket = make_ticket(client_user, subject="Portal check")
    sign_in(page, tenant_url("acme", "/accounts/login/"), client_user.user.email, PASSWORD)
    for path in (
        "/",
        "/tickets/",
        "/tickets/new/",
        f"/tickets/{ticket.reference}/",
        "/accounts/profile/",
    ):
        page.goto(tenant_url("acme", path))
        page.wait_for_load_state("networkidle")
    expect(page.locator("#api-tokens")).to_be_visible()
    assert violations() == []


def test_an_inline_script_would_be_refused_and_reported(watched, tenant, client_user, tenant_url):
    """The check above can fail: an inline script injected into a page is blocked."""
    page, violations = watched
    sign_in(page, tenant_url("acme", "/accounts/login/"), client_user.user.email, PASSWORD)
    page.evaluate(
        """() => { const s = document.createElement('script');
        s.textContent = 'window.__ran = true'; document.body.appendChild(s); }"""
    )
    assert page.evaluate("window.__ran === true") is False
    assert any("script-src" in v for v in violations())


def test_the_report_and_the_printable_statement_are_styled_under_the_policy(
    watched, tenant, customer, client_user, manager, tenant_url
):
    """The report's layout and the statement's print rules load as a stylesheet: an inline
    <style> is refused by style-src 'self', and the printed statement would carry the
    navigation bar."""
    page, violations = watched
    sla_config(tenant, customer.plan)
    make_ticket(client_user, priority="critical", subject="Report check")
    sign_in(page, tenant_url("acme", "/accounts/login/"), manager.user.email, PASSWORD)
    page.goto(tenant_url("acme", "/reports/"))
    page.wait_for_load_state("networkidle")
    expect(page.locator(".report-grid").first).to_have_css("display", "grid")
    page.goto(tenant_url("acme", f"/reports/statements/{customer.pk}/2026-03/"))
    page.wait_for_load_state("networkidle")
    page.emulate_media(media="print")
    expect(page.locator("header.topbar")).to_be_hidden()
    expect(page.locator("[data-print]")).to_be_hidden()
    assert violations() == []
