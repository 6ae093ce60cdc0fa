"""ionetech's new-ticket form shows seed 002's priority guidance for the chosen category."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from demo.data import DEMO_PASSWORD, DEMO_TENANTS, load_demo_tenant
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_choosing_billing_shows_billings_guidance_per_priority(page, tenant_url):
    load_demo_tenant(next(s for s in DEMO_TENANTS if s.slug == "ionetech"))
    sign_in(page, tenant_url("ionetech", "/accounts/login/"),
            "client@standard.ionetech.example", DEMO_PASSWORD)  # fmt: skip
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(tenant_url("ionetech", "/tickets/new/"))
    box = page.locator("#category-guidance")
    billing = box.locator('[data-category="billing"]')
    technical = box.locator('[data-category="technical"]')
    # Before a category is chosen every category's guidance is listed.
    expect(billing).to_be_visible()
    expect(technical).to_be_visible()

    page.select_option("select[name=category]", "billing")
    expect(billing).to_be_visible()
    expect(technical).to_be_hidden()
    expect(box.locator("[data-guidance-title]")).to_have_text("Billing & Financial")
    expect(billing.locator("dt")).to_have_text(["Critical", "High", "Medium", "Low"])
    expect(billing.locator("dd")).to_have_text([
        "Billing errors affecting critical services.",
        "Urgent billing inquiries.",
        "Non-urgent billing queries.",
        "General billing questions.",
    ])  # fmt: skip

    page.select_option("select[name=category]", "security")
    expect(billing).to_be_hidden()
    expect(box.locator('[data-category="security"] dd').first).to_have_text(
        "Security breaches or compliance violations."
    )
    assert not [e for e in errors if "Content Security Policy" in e], errors
