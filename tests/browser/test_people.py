"""A tenant admin invites a client from the People page; the client follows the emailed link,
chooses a password, and signs in (real Chromium; issue #12 item 6)."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from django.core import mail

from tenants.models import Membership
from tenants.roles import Role
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "Fresh-Client-Pass-42"


def test_a_tenant_admin_invites_a_client_who_accepts_and_signs_in(
    browser, page, tenant_url, tenant, tenant_admin, customer
):
    sign_in(page, tenant_url("acme", "/accounts/login/"), tenant_admin.user.email, PASSWORD)
    page.click("nav >> text=People")
    assert urlparse(page.url).path == "/settings/people/"
    page.fill("#invite input[name=email]", "Dana@Initech.example")
    page.select_option("#invite select[name=role]", Role.CLIENT.value)
    page.select_option("#invite select[name=customer]", label=customer.name)
    page.click("text=Send invitation")
    page.wait_for_load_state("domcontentloaded")
    assert "Invitation sent to dana@initech.example" in page.inner_text("body")
    assert page.locator("#invitations tr[data-email='dana@initech.example']").count() == 1

    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["dana@initech.example"]
    emailed = re.search(r"https?://\S+", mail.outbox[0].body).group(0)
    # The link names the tenant's canonical host (no port); the live server listens on one.
    assert urlparse(emailed).hostname == "acme.localhost"
    invitee = browser.new_context()
    accept = invitee.new_page()
    accept.goto(tenant_url("acme", urlparse(emailed).path))
    assert "Initech" in accept.inner_text("body")
    accept.fill("input[name=password1]", NEW_PASSWORD)
    accept.fill("input[name=password2]", NEW_PASSWORD)
    accept.click("text=Accept the invitation")
    accept.wait_for_load_state("domcontentloaded")
    assert "/accounts/" not in accept.url
    assert "dana@initech.example" in accept.inner_text("body")
    invitee.close()

    member = Membership.objects.for_tenant(tenant).select_related("user").get(
        user__email="dana@initech.example"
    )
    assert (member.role, member.customer_id, member.is_active) == (Role.CLIENT, customer.pk, True)

    # A fresh browser: the new client signs in with the password they chose.
    later = browser.new_context()
    again = later.new_page()
    sign_in(again, tenant_url("acme", "/accounts/login/"), "dana@initech.example", NEW_PASSWORD)
    assert "/accounts/login/" not in again.url
    body = again.inner_text("body")
    assert "dana@initech.example" in body and "My tickets" in body
    later.close()

    # The admin's list now shows Dana as an active client, the invitation gone.
    page.goto(tenant_url("acme", "/settings/people/"))
    assert page.locator("#members tr[data-email='dana@initech.example']").count() == 1
    assert page.locator("#invitations tr[data-email='dana@initech.example']").count() == 0
