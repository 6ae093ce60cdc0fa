import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from tenants import services
from tenants.models import ApiToken
from tests.conftest import PASSWORD, host, login_as
from tests.factories import MembershipFactory


def test_a_member_trades_credentials_for_a_token_that_authenticates(tenant_client, agent):
    response = tenant_client.post(
        "/api/token/",
        {"email": agent.user.email, "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    tenant_client.defaults["HTTP_AUTHORIZATION"] = f"Token {token}"
    assert tenant_client.get("/api/docs/").status_code == 200
    tenant_client.defaults["HTTP_AUTHORIZATION"] = "Token nonsense"
    assert tenant_client.get("/api/docs/").status_code in (401, 403)


def test_a_token_is_refused_on_another_tenants_host(client, tenant, agent, outsider):
    response = client.post(
        "/api/token/",
        {"email": outsider.user.email, "password": PASSWORD},
        content_type="application/json",
        HTTP_HOST="acme.localhost",
    )
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_bad_input_gets_field_errors(tenant_client, db):
    response = tenant_client.post(
        "/api/token/", {"email": "nope"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"email", "password"}


def test_malformed_json_is_a_400(tenant_client, db):
    response = tenant_client.post("/api/token/", "{not json", content_type="application/json")
    assert response.status_code == 400


# --- Tokens: hashed, several per person, expiring, revocable (issue #8 item 2) ---------------

NEW_PASSWORD = "Another-pw-4567"


def _obtain(client, membership, name="") -> str:
    response = client.post(
        "/api/token/",
        {"email": membership.user.email, "password": PASSWORD, "name": name},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def _api_status(client, key) -> int:
    return client.get("/api/sla/priorities/", HTTP_AUTHORIZATION=f"Token {key}").status_code


def test_only_a_hash_of_the_key_is_stored_and_each_sign_in_makes_a_new_token(
    tenant_client, agent
):
    first, second = _obtain(tenant_client, agent, "ci"), _obtain(tenant_client, agent)
    assert first != second
    tokens = ApiToken.objects.cross_tenant().filter(user=agent.user)
    assert tokens.count() == 2
    for token in tokens:
        assert first not in (token.key_hash, token.prefix) and second not in (token.key_hash,)
        assert token.prefix in (first[:8], second[:8])
        assert token.tenant_id == agent.tenant_id
    assert _api_status(tenant_client, first) == 200
    assert _api_status(tenant_client, second) == 200


def test_a_token_expires_after_the_configured_days(tenant_client, agent, settings):
    settings.API_TOKEN_TTL_DAYS = 7
    key = _obtain(tenant_client, agent)
    token = ApiToken.objects.for_tenant(agent.tenant).get(user=agent.user)
    assert timedelta(days=7) - (token.expires_at - token.created_at) < timedelta(seconds=1)
    with time_machine.travel(timezone.now() + timedelta(days=6, hours=23)):
        assert _api_status(tenant_client, key) == 200
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        assert _api_status(tenant_client, key) == 401


def test_last_use_is_recorded(tenant_client, agent):
    key = _obtain(tenant_client, agent)
    assert ApiToken.objects.for_tenant(agent.tenant).get().last_used_at is None
    _api_status(tenant_client, key)
    assert ApiToken.objects.for_tenant(agent.tenant).get().last_used_at is not None


def test_a_token_works_only_on_its_tenants_host(client, tenant, other_tenant, agent):
    client.defaults["HTTP_HOST"] = host(tenant)
    key = _obtain(client, agent)
    # Even a member of both tenants: the token was issued on acme's host.
    MembershipFactory(tenant=other_tenant, user=agent.user)
    client.defaults["HTTP_HOST"] = host(other_tenant)
    assert _api_status(client, key) == 401


def test_changing_the_password_revokes_every_token(tenant_client, agent):
    key = _obtain(tenant_client, agent)
    login_as(tenant_client, agent)
    response = tenant_client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    tenant_client.logout()
    assert _api_status(tenant_client, key) == 401
    assert tenant_client.get("/accounts/profile/").status_code == 302  # signed out above
    agent.user.refresh_from_db()
    assert agent.user.check_password(NEW_PASSWORD)


def test_resetting_the_password_revokes_every_token(tenant_client, agent):
    key = _obtain(tenant_client, agent)
    tenant_client.post("/accounts/password/reset/", {"email": agent.user.email})
    (message,) = mail.outbox
    link = re.search(r"https?://[^/]+(/accounts/password/reset/\S+/\S+/)", message.body).group(1)
    form_url = tenant_client.get(link)["Location"]
    response = tenant_client.post(
        form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302, response.content
    assert _api_status(tenant_client, key) == 401


def test_a_refused_password_change_keeps_the_tokens(tenant_client, agent):
    key = _obtain(tenant_client, agent)
    login_as(tenant_client, agent)
    response = tenant_client.post(
        "/accounts/password/change/",
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 400
    tenant_client.logout()
    assert _api_status(tenant_client, key) == 200


def test_deactivating_the_user_or_the_membership_revokes_tokens(tenant_client, agent, manager):
    agent_key, manager_key = _obtain(tenant_client, agent), _obtain(tenant_client, manager)
    services.user_deactivate(user=agent.user)
    assert _api_status(tenant_client, agent_key) == 401
    assert not ApiToken.objects.for_tenant(agent.tenant).filter(
        user=agent.user, revoked_at__isnull=True
    ).exists()
    services.membership_deactivate(tenant=manager.tenant, membership=manager)
    assert _api_status(tenant_client, manager_key) == 401
    assert not ApiToken.objects.for_tenant(manager.tenant).filter(
        user=manager.user, revoked_at__isnull=True
    ).exists()


def test_a_member_lists_and_revokes_their_own_tokens_through_the_api(tenant_client, agent, manager):
    mine = _obtain(tenant_client, agent, "laptop")
    spare = _obtain(tenant_client, agent, "ci")
    theirs = _obtain(tenant_client, manager)
    auth = {"HTTP_AUTHORIZATION": f"Token {mine}"}
    listed = tenant_client.get("/api/tokens/", **auth).json()
    assert sorted(t["name"] for t in listed) == ["ci", "laptop"]
    assert all(mine not in str(t) and spare not in str(t) for t in listed)
    assert set(listed[0]) == {
        "id", "name", "prefix", "created_at", "last_used_at", "expires_at", "is_live"
    }
    manager_token = ApiToken.objects.for_tenant(manager.tenant).get(user=manager.user)
    assert tenant_client.delete(f"/api/tokens/{manager_token.pk}/", **auth).status_code == 404
    assert _api_status(tenant_client, theirs) == 200
    spare_id = next(t["id"] for t in listed if t["name"] == "ci")
    assert tenant_client.delete(f"/api/tokens/{spare_id}/", **auth).status_code == 204
    assert _api_status(tenant_client, spare) == 401
    assert tenant_client.delete(f"/api/tokens/{spare_id}/", **auth).status_code == 404
    assert tenant_client.delete("/api/tokens/", **auth).json() == {"revoked": 1}
    assert _api_status(tenant_client, mine) == 401
    assert _api_status(tenant_client, theirs) == 200


def test_the_profile_lists_tokens_and_revokes_them(tenant_client, agent, manager):
    key = _obtain(tenant_client, agent, "deploy script")
    other_key = _obtain(tenant_client, manager)
    login_as(tenant_client, agent)
    page = tenant_client.get("/accounts/profile/").content.decode()
    token = ApiToken.objects.for_tenant(agent.tenant).get(user=agent.user)
    assert "deploy script" in page and f"{token.prefix}…" in page and key not in page
    other = ApiToken.objects.for_tenant(manager.tenant).get(user=manager.user)
    assert other.prefix not in page
    assert tenant_client.post(f"/accounts/profile/tokens/{other.pk}/revoke/").status_code == 404
    response = tenant_client.post(f"/accounts/profile/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    tenant_client.logout()
    assert _api_status(tenant_client, key) == 401
    assert _api_status(tenant_client, other_key) == 200


def test_the_profile_creates_a_token_and_shows_its_key_once(tenant_client, agent):
    login_as(tenant_client, agent)
    response = tenant_client.post("/accounts/profile/tokens/new/", {"name": "from the page"})
    assert response.status_code == 200
    key = re.search(r'<code id="new-token-key">([^<]+)</code>', response.content.decode())[1]
    assert key not in tenant_client.get("/accounts/profile/").content.decode()
    tenant_client.logout()
    assert _api_status(tenant_client, key) == 200


@pytest.mark.parametrize("header", ["Token", "Token a b", "Token \u00e9", "Token " + "x" * 5000])
def test_malformed_token_headers_are_401s(tenant_client, db, header):
    response = tenant_client.get("/api/sla/priorities/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
