"""Emailed links come from configuration; reset emails are throttled; lockout keys on the
real client address (issue #8 items 5 and 7)."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import RequestFactory

from tenants.client_ip import client_ip
from tenants.links import tenant_url
from tests.conftest import PASSWORD, host

RESET = "/accounts/password/reset/"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def _link(message) -> str:
    return re.search(r"(https?://\S+/accounts/password/reset/\S+/\S+/)", message.body).group(1)


def test_the_reset_link_ignores_a_hostile_host_header(client, tenant, client_user, settings):
    settings.SITE_SCHEME, settings.SITE_PORT = "https", 0
    settings.ALLOWED_HOSTS = ["*"]
    response = client.post(
        RESET, {"email": client_user.user.email}, HTTP_HOST=f"{host(tenant)}:6666"
    )
    assert response.status_code == 302
    (message,) = mail.outbox
    assert _link(message).startswith(f"https://{host(tenant)}/accounts/password/reset/")
    assert "6666" not in message.body


def test_the_reset_link_uses_the_configured_scheme_port_and_custom_domain(
    client, tenant, client_user, settings
):
    settings.SITE_SCHEME, settings.SITE_PORT = "http", 8000
    client.post(RESET, {"email": client_user.user.email}, HTTP_HOST=host(tenant))
    assert _link(mail.outbox[-1]).startswith(f"http://{host(tenant)}:8000/accounts/")
    tenant.custom_domain = "support.acme.example"
    tenant.save()
    settings.SITE_SCHEME, settings.SITE_PORT = "https", 443
    settings.ALLOWED_HOSTS = [".localhost", "support.acme.example"]
    client.post(RESET, {"email": client_user.user.email}, HTTP_HOST=host(tenant))
    assert _link(mail.outbox[-1]).startswith("https://support.acme.example/accounts/")


def test_tenant_url_is_built_from_configuration_only(tenant, settings):
    settings.SITE_SCHEME, settings.SITE_PORT, settings.HELPDESK_DOMAIN = "https", 8443, "hd.example"
    assert tenant_url(tenant, "/tickets/ACM-1/") == "https://acme.hd.example:8443/tickets/ACM-1/"
    settings.SITE_PORT = 443
    assert tenant_url(tenant, "queue/") == "https://acme.hd.example/queue/"


def test_reset_emails_to_one_address_are_throttled_with_the_same_answer(
    tenant_client, client_user, settings
):
    settings.PASSWORD_RESET_MAX_PER_ADDRESS = 3
    answers = [
        tenant_client.post(RESET, {"email": client_user.user.email}, REMOTE_ADDR=f"10.0.0.{i}")
        for i in range(6)
    ]
    assert len(mail.outbox) == 3
    assert {(a.status_code, a["Location"]) for a in answers} == {
        (302, "/accounts/password/reset/sent/")
    }
    # Another address is not held back by this one's budget.
    tenant_client.post(RESET, {"email": "nobody@initech.example"})
    assert len(mail.outbox) == 3


def test_reset_requests_from_one_client_are_throttled(tenant, customer, tenant_client, settings):
    from tests.factories import client_membership

    settings.PASSWORD_RESET_MAX_PER_IP = 4
    people = [client_membership(tenant, customer) for _ in range(6)]
    for person in people:
        answer = tenant_client.post(RESET, {"email": person.user.email}, REMOTE_ADDR="10.9.9.9")
        assert answer.status_code == 302
    assert len(mail.outbox) == 4
    tenant_client.post(RESET, {"email": people[-1].user.email}, REMOTE_ADDR="10.9.9.10")
    assert len(mail.outbox) == 5


def test_an_unknown_address_gets_exactly_the_same_answer(tenant_client, client_user):
    known = tenant_client.post(RESET, {"email": client_user.user.email})
    unknown = tenant_client.post(RESET, {"email": "ghost@initech.example"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert known.content == unknown.content


def test_a_broken_cache_does_not_break_the_reset(tenant_client, client_user, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("cache is down")

    monkeypatch.setattr(cache, "add", down)
    response = tenant_client.post(RESET, {"email": client_user.user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1


# --- The client address (lockout key and throttle) --------------------------------------------


def _request(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_forwarded_for_is_ignored_without_a_trusted_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request("203.0.113.5", "1.2.3.4")) == "203.0.113.5"


def test_forwarded_for_is_believed_only_as_far_as_the_trusted_proxies(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client claims 6.6.6.6; our one proxy appended the address it really saw.
    assert client_ip(_request("10.0.0.1", "6.6.6.6, 198.51.100.7")) == "198.51.100.7"
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(_request("10.0.0.1", "6.6.6.6, 198.51.100.7, 10.0.0.2")) == "198.51.100.7"
    # Fewer hops than proxies, or junk: only the peer is known.
    assert client_ip(_request("10.0.0.1", "198.51.100.7")) == "10.0.0.1"
    assert client_ip(_request("10.0.0.1", "junk, 10.0.0.2")) == "10.0.0.1"


def _fail(client, email, ip, forwarded=None):
    extra = {"REMOTE_ADDR": ip}
    if forwarded:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post("/accounts/login/", {"username": email, "password": "bad"}, **extra)


def _sign_in(client, email, ip, forwarded=None):
    extra = {"REMOTE_ADDR": ip}
    if forwarded:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post("/accounts/login/", {"username": email, "password": PASSWORD}, **extra)


def test_behind_a_trusted_proxy_an_attacker_cannot_lock_anyone_else_out(
    tenant_client, client_user, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    email = client_user.user.email
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _fail(tenant_client, email, "10.0.0.1", forwarded="203.0.113.66")
    # The attacker's own address is locked out for this account...
    assert _sign_in(tenant_client, email, "10.0.0.1", forwarded="203.0.113.66").status_code == 429
    # ...the owner, coming through the same proxy from elsewhere, is not.
    assert _sign_in(tenant_client, email, "10.0.0.1", forwarded="198.51.100.7").status_code == 302


def test_without_a_trusted_proxy_a_forged_header_does_not_escape_the_lockout(
    tenant_client, client_user, settings
):
    settings.TRUSTED_PROXY_COUNT = 0
    email = client_user.user.email
    for i in range(settings.AXES_FAILURE_LIMIT):
        _fail(tenant_client, email, "203.0.113.66", forwarded=f"198.51.100.{i}")
    answer = _sign_in(tenant_client, email, "203.0.113.66", forwarded="198.51.100.200")
    assert answer.status_code == 429
    assert _sign_in(tenant_client, email, "198.51.100.7").status_code == 302
