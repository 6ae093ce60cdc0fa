"""Submit buttons disable while their form posts (static/js/forms.js), in Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_second_submit_while_posting_sends_nothing_and_the_clicked_button_counts(
    client_user, agent, page, tenant_url
):
    ticket = make_ticket(client_user)
    sign_in(page, tenant_url("acme", "/accounts/login/"), agent.user.email, PASSWORD)
    page.goto(tenant_url("acme", f"/work/{ticket.reference}/"))
    page.fill("textarea[name=body]", "Restarted the service.")

    # The POST is answered "204 No Content" by the browser's network layer: the page stays as
    # it is while "posting", so the state of its buttons can be read.
    posts = []

    def answer(route):
        posts.append(route.request.post_data or "")
        route.fulfill(status=204)

    page.route("**/reply/", answer)
    page.locator("button[name=kind][value=note]").click()
    for _ in range(250):  # the browser posting: a bounded wait
        if posts:
            break
        page.wait_for_timeout(20)
    assert len(posts) == 1
    assert 'name="kind"\r\n\r\nnote' in posts[0]  # the clicked button's value was sent
    expect(page.locator("button[name=kind][value=note]")).to_be_disabled()
    expect(page.locator("button[name=kind][value=reply]")).to_be_disabled()

    # Submitting again while the first is posting (Enter, a script): no second request.
    page.evaluate("document.querySelector('.reply-buttons').closest('form').requestSubmit()")
    page.wait_for_timeout(300)
    assert len(posts) == 1
