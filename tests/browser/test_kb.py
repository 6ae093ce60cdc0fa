"""A client typing a new ticket's subject is offered a matching help article, in Chromium;
an agent inserts an article link into a reply with the picker."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kb.models import SuggestionClick
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from tests.kb.factories import make_article
from tests.tickets.factories import category, make_ticket, sla_config

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(tenant, customer, client_user, agent):
    sla_config(tenant, customer.plan)
    category(tenant)
    make_article(agent, title="Resetting your password", body="Use **Forgot password**.")
    make_article(agent, title="Printer paper jams", body="Open tray two.")
    return {"client": client_user, "agent": agent}


def test_a_client_typing_a_subject_is_offered_a_matching_article(world, browser, page, tenant_url):
    client_user = world["client"]
    sign_in(page, tenant_url("acme", "/accounts/login/"), client_user.user.email, PASSWORD)
    page.goto(tenant_url("acme", "/tickets/new/"))
    page.locator("input[name=subject]").press_sequentially("I cannot reset my password")
    suggestions = page.locator("#kb-suggestions")
    expect(suggestions).to_contain_text("Resetting your password")
    expect(suggestions).not_to_contain_text("Printer")

    with page.context.expect_page() as opened:
        suggestions.locator("a:has-text('Resetting your password')").click()
    article_page = opened.value
    expect(article_page.locator("h1")).to_have_text("Resetting your password")
    token = page.locator("input[name=submission_token]").input_value()
    click = SuggestionClick.objects.for_tenant(client_user.tenant).get()
    assert click.token == token and click.membership == client_user


def test_an_agent_inserts_an_article_link_into_a_reply(world, page, tenant_url):
    agent, client_user = world["agent"], world["client"]
    ticket = make_ticket(client_user, subject="Locked out")
    sign_in(page, tenant_url("acme", "/accounts/login/"), agent.user.email, PASSWORD)
    page.goto(tenant_url("acme", f"/work/{ticket.reference}/"))
    page.fill("textarea[name=body]", "Please follow")
    page.click("summary:has-text('Insert a help article link')")
    page.locator("[data-kb-picker-q]").press_sequentially("password")
    page.click("button[data-kb-insert]:has-text('Resetting your password')")
    expect(page.locator("textarea[name=body]")).to_have_value(
        "Please follow " + tenant_url("acme", "/kb/articles/resetting-your-password/")
    )
