import re

import pytest
from django.core import mail

from tests.conftest import PASSWORD, host


def test_it_signs_a_member_in_on_their_tenants_host(tenant_client, client_user):
    response = tenant_client.post(
        "/accounts/login/", {"username": client_user.user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert tenant_client.get("/").status_code == 200


def test_it_accepts_the_email_in_any_case(tenant_client, client_user):
    response = tenant_client.post(
        "/accounts/login/", {"username": client_user.user.email.upper(), "password": PASSWORD}
    )
    assert response.status_code == 302


def test_a_member_of_another_tenant_cannot_sign_in_here(tenant_client, outsider):
    response = tenant_client.post(
        "/accounts/login/", {"username": outsider.user.email, "password": PASSWORD}
    )
    assert response.status_code == 400
    assert b"correct email" in response.content.lower() or b"correct" in response.content


def test_a_wrong_password_is_a_400_with_the_form_error(tenant_client, client_user):
    response = tenant_client.post(
        "/accounts/login/", {"username": client_user.user.email, "password": "nope"}
    )
    assert response.status_code == 400
    assert b"Please enter a correct" in response.content


def test_a_malformed_email_is_a_field_error(tenant_client):
    response = tenant_client.post("/accounts/login/", {"username": "not-an-email", "password": ""})
    assert response.status_code == 400
    assert b"Enter a valid email address" in response.content


def test_it_locks_out_after_repeated_failures(tenant_client, client_user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        tenant_client.post(
            "/accounts/login/", {"username": client_user.user.email, "password": "bad"}
        )
    response = tenant_client.post(
        "/accounts/login/", {"username": client_user.user.email, "password": PASSWORD}
    )
    assert response.status_code == 429
    assert b"Too many attempts" in response.content


def test_login_on_an_unknown_host_is_a_404(client, db):
    response = client.get("/accounts/login/", HTTP_HOST="nobody.localhost")
    assert response.status_code == 404


def test_password_reset_mails_a_link_on_the_tenants_host(tenant_client, client_user, tenant):
    response = tenant_client.post("/accounts/password/reset/", {"email": client_user.user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://(\S+)/accounts/password/reset/(\S+)/(\S+)/", mail.outbox[0].body)
    assert link and link.group(1) == host(tenant)
    confirm = tenant_client.get(link.group(0), follow=True)
    assert confirm.status_code == 200
    done = tenant_client.post(
        confirm.redirect_chain[-1][0],
        {"new_password1": "A-much-better-pw-42", "new_password2": "A-much-better-pw-42"},
    )
    assert done.status_code == 302
    client_user.user.refresh_from_db()
    assert client_user.user.check_password("A-much-better-pw-42")


def test_password_reset_sends_nothing_to_another_tenants_member(tenant_client, outsider):
    response = tenant_client.post("/accounts/password/reset/", {"email": outsider.user.email})
    assert response.status_code == 302  # same answer as for a member: nothing is confirmed
    assert mail.outbox == []


def test_password_change_with_bad_input_is_a_400_with_field_errors(tenant_client, client_user):
    from tests.conftest import login_as

    login_as(tenant_client, client_user)
    response = tenant_client.post(
        "/accounts/password/change/",
        {"old_password": "wrong", "new_password1": "short", "new_password2": "other"},
    )
    assert response.status_code == 400
    assert b"Your old password was entered incorrectly" in response.content


@pytest.mark.parametrize("path", ["/", "/organisation/"])
def test_anonymous_visitors_are_sent_to_sign_in(tenant_client, tenant, path):
    response = tenant_client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_member_sets_the_zone_their_deadlines_are_shown_in(tenant_client, client_user):
    from tests.conftest import login_as

    login_as(tenant_client, client_user)
    response = tenant_client.post(
        "/accounts/profile/", {"full_name": "Cleo Client", "time_zone": "Europe/London"}
    )
    assert response.status_code == 302
    client_user.user.refresh_from_db()
    assert client_user.user.time_zone == "Europe/London"


def test_an_unknown_zone_is_a_field_error(tenant_client, client_user):
    from tests.conftest import login_as

    login_as(tenant_client, client_user)
    response = tenant_client.post("/accounts/profile/", {"time_zone": "Mars/Olympus"})
    assert response.status_code == 400
    assert b"Select a valid choice" in response.content
