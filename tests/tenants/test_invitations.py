"""Invitations: a person joins a tenant only by accepting (issue #8 item 1)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from tenants.invitations import (
    InvitationError,
    invitation_accept,
    invitation_create,
    invitation_for_token,
)
from tenants.models import Invitation, Membership, User
from tenants.roles import Role
from tests.conftest import PASSWORD, host, login_as
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db(transaction=False)


def _invite(tenant, email, **kwargs):
    with_defaults = {"role": Role.AGENT, "invited_by": None, **kwargs}
    return invitation_create(tenant=tenant, email=email, **with_defaults)


def _sign_in(client, tenant, email, password=PASSWORD):
    return client.post("/accounts/login/", {"username": email, "password": password},
                       HTTP_HOST=host(tenant))  # fmt: skip


@pytest.fixture
def globex_user(other_tenant):
    return MembershipFactory(tenant=other_tenant, user__email="gus@globex.example").user


def test_the_email_carries_a_link_on_the_tenants_own_host(
    tenant, django_capture_on_commit_callbacks
):  # noqa: E501
    with django_capture_on_commit_callbacks(execute=True):
        link = _invite(tenant, "New.Person@Example.com")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.person@example.com"]
    url = re.search(r"https?://\S+", message.body).group(0)
    assert url == f"https://{host(tenant)}/accounts/invitations/{link.token}/"


def test_another_tenants_user_signs_in_only_after_accepting(client, tenant, globex_user,
                                                            tenant_admin):  # fmt: skip
    link = _invite(tenant, globex_user.email, invited_by=tenant_admin.user)
    assert _sign_in(client, tenant, globex_user.email).status_code == 400  # not a member yet
    url = f"/accounts/invitations/{link.token}/"
    page = client.get(url, HTTP_HOST=host(tenant))
    assert page.status_code == 200 and b"sign in with its password" in page.content
    wrong = client.post(url, {"password": "not-it"}, HTTP_HOST=host(tenant))
    assert wrong.status_code == 400
    assert not Membership.objects.for_tenant(tenant).filter(user=globex_user).exists()
    accepted = client.post(url, {"password": PASSWORD}, HTTP_HOST=host(tenant))
    assert accepted.status_code == 302
    membership = Membership.objects.for_tenant(tenant).get(user=globex_user)
    assert membership.role == Role.AGENT
    client.logout()
    assert _sign_in(client, tenant, globex_user.email).status_code == 302
    # The link is spent.
    assert client.get(url, HTTP_HOST=host(tenant)).status_code == 404


def test_a_new_person_chooses_a_password(client, tenant, customer):
    link = _invite(tenant, "fresh@initech.example", role=Role.CLIENT, customer=customer)
    url = f"/accounts/invitations/{link.token}/"
    short = client.post(url, {"password1": "a", "password2": "a"}, HTTP_HOST=host(tenant))
    assert short.status_code == 400
    assert not User.objects.filter(email="fresh@initech.example").exists()
    good = {"password1": "Long-enough-pass-42", "password2": "Long-enough-pass-42"}
    assert client.post(url, good, HTTP_HOST=host(tenant)).status_code == 302
    membership = Membership.objects.for_tenant(tenant).get(user__email="fresh@initech.example")
    assert membership.customer == customer and membership.role == Role.CLIENT


def test_a_link_works_on_its_own_tenant_only_and_until_it_expires(client, tenant, other_tenant):
    link = _invite(tenant, "someone@example.com")
    url = f"/accounts/invitations/{link.token}/"
    assert client.get(url, HTTP_HOST=host(other_tenant)).status_code == 404
    assert client.get(url[:-5] + "xxxx/", HTTP_HOST=host(tenant)).status_code == 404
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        assert client.get(url, HTTP_HOST=host(tenant)).status_code == 404
    assert client.get(url, HTTP_HOST=host(tenant)).status_code == 200


def test_inviting_again_replaces_the_link(client, tenant):
    first = _invite(tenant, "twice@example.com")
    second = _invite(tenant, "twice@example.com", role=Role.MANAGER)
    assert Invitation.objects.for_tenant(tenant).filter(email="twice@example.com").count() == 1
    with pytest.raises(InvitationError):
        invitation_for_token(tenant=tenant, token=first.token)
    assert invitation_for_token(tenant=tenant, token=second.token).role == Role.MANAGER


def test_members_and_bad_terms_are_refused(tenant, agent, customer):
    with pytest.raises(InvitationError, match="already a member"):
        _invite(tenant, agent.user.email.upper())
    with pytest.raises(InvitationError, match="customer"):
        _invite(tenant, "c@example.com", role=Role.CLIENT)
    with pytest.raises(InvitationError, match="customer"):
        _invite(tenant, "s@example.com", role=Role.AGENT, customer=customer)


def test_accepting_needs_the_invited_address(tenant, globex_user, agent):
    link = _invite(tenant, globex_user.email)
    with pytest.raises(InvitationError, match="another address"):
        invitation_accept(tenant=tenant, invitation=link.invitation, user=agent.user)
    with pytest.raises(InvitationError, match="sign in"):
        invitation_accept(tenant=tenant, invitation=link.invitation, password="x")
    invitation_accept(tenant=tenant, invitation=link.invitation, user=globex_user)
    with pytest.raises(InvitationError, match="already been used"):
        invitation_accept(tenant=tenant, invitation=link.invitation, user=globex_user)


def test_the_admin_add_form_invites_instead_of_attaching(client, tenant, tenant_admin,
                                                         globex_user):  # fmt: skip
    login_as(client, tenant_admin)
    data = {"email": globex_user.email, "role": Role.MANAGER, "tier": "", "customer": ""}
    response = client.post("/admin/tenants/membership/add/", data)
    assert response.status_code == 302
    assert response["Location"] == "/admin/tenants/invitation/"
    assert not Membership.objects.for_tenant(tenant).filter(user=globex_user).exists()
    assert Invitation.objects.for_tenant(tenant).get(email=globex_user.email).role == "manager"
    again = client.post("/admin/tenants/membership/add/",
                        {**data, "email": tenant_admin.user.email})  # fmt: skip
    assert again.status_code == 200 and b"Already a member here" in again.content
