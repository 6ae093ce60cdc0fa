"""People and customers pages (issue #12 item 6): who may do what, and what each action does."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from tenants.invitations import invitation_create
from tenants.models import ApiToken, Customer, Invitation, Membership
from tenants.roles import Role
from tenants.services import api_token_create
from tests.conftest import PASSWORD, host, login_as
from tests.factories import CustomerFactory, MembershipFactory, PlanFactory, client_membership

pytestmark = pytest.mark.django_db(transaction=False)


# --- who may open the pages ---------------------------------------------------------------------


@pytest.mark.parametrize("who", ["agent", "manager", "client_user", "client_admin"])
def test_only_tenant_admins_reach_the_people_and_customer_settings(request, client, who):
    login_as(client, request.getfixturevalue(who))
    for url in ("/settings/people/", "/settings/customers/", "/settings/customers/new/"):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(
            "/settings/people/invite/", {"email": "x@example.com", "role": "agent"}
        ).status_code
        == 404
    )
    assert not Invitation.objects.cross_tenant().exists()


def test_anonymous_visitors_are_sent_to_sign_in(tenant_client, tenant):
    response = tenant_client.get("/settings/people/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("who", ["agent", "client_user", "tenant_admin"])
def test_only_client_admins_reach_the_organisation_people_page(request, client, who):
    login_as(client, request.getfixturevalue(who))
    assert client.get("/organisation/people/").status_code == 404


# --- the people list ----------------------------------------------------------------------------


def test_the_list_shows_staff_and_clients_and_filters(
    client, tenant_admin, agent, client_user, other_client, customer, outsider
):
    login_as(client, tenant_admin)
    page = client.get("/settings/people/").content.decode()
    for m in (tenant_admin, agent, client_user, other_client):
        assert m.user.email in page
    assert outsider.user.email not in page
    page = client.get("/settings/people/", {"kind": "clients"}).content.decode()
    assert client_user.user.email in page and agent.user.email not in page
    page = client.get("/settings/people/", {"customer": customer.pk}).content.decode()
    assert client_user.user.email in page and other_client.user.email not in page
    Membership.objects.cross_tenant().filter(pk=agent.pk).update(is_active=False)
    page = client.get("/settings/people/", {"active": "no"}).content.decode()
    assert agent.user.email in page and client_user.user.email not in page
    page = client.get("/settings/people/", {"role": "agent"}).content.decode()
    assert agent.user.email in page and tenant_admin.user.email not in page.split("<tbody>")[1]


def test_a_bad_filter_is_a_400_not_a_500(client, tenant_admin):
    login_as(client, tenant_admin)
    assert client.get("/settings/people/", {"role": "overlord"}).status_code == 400
    assert client.get("/settings/people/", {"customer": "abc"}).status_code == 400


# --- inviting -----------------------------------------------------------------------------------


def _link(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


def test_a_tenant_admin_invites_a_client_who_accepts(
    client, tenant_admin, customer, django_capture_on_commit_callbacks
):
    login_as(client, tenant_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/settings/people/invite/",
            {"email": "New@Initech.example", "role": "client", "customer": customer.pk},
        )
    assert response.status_code == 302
    invitation = Invitation.objects.cross_tenant().get()
    assert (invitation.email, invitation.role, invitation.customer) == (
        "new@initech.example",
        Role.CLIENT,
        customer,
    )
    assert invitation.invited_by == tenant_admin.user
    assert "new@initech.example" in client.get("/settings/people/").content.decode()
    path = _link(mail.outbox[-1]).split(host(client_admin_tenant := customer.tenant), 1)[1]
    client.logout()
    client.defaults["HTTP_HOST"] = host(client_admin_tenant)
    response = client.post(path, {"password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    member = Membership.objects.cross_tenant().get(user__email="new@initech.example")
    assert (member.role, member.customer, member.is_active) == (Role.CLIENT, customer, True)


def test_a_staff_invitation_carries_role_and_tier(client, tenant_admin):
    login_as(client, tenant_admin)
    client.post(
        "/settings/people/invite/", {"email": "lead@acme.example", "role": "team_lead", "tier": "2"}
    )
    invitation = Invitation.objects.cross_tenant().get()
    assert (invitation.role, invitation.tier, invitation.customer) == (Role.TEAM_LEAD, 2, None)


@pytest.mark.parametrize(
    "data,field",
    [
        ({"email": "not-an-address", "role": "agent"}, "email"),
        ({"email": "c@example.com", "role": "client"}, "customer"),
        ({"email": "c@example.com", "role": "overlord"}, "role"),
        ({"email": "c@example.com", "role": "agent", "tier": "9"}, "tier"),
        ({"email": "admin@acme.example", "role": "agent"}, None),  # already a member
    ],
)
def test_bad_invitations_are_400s_with_the_reason(client, tenant_admin, data, field):
    login_as(client, tenant_admin)
    response = client.post("/settings/people/invite/", data)
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors[field] if field else form.non_field_errors()
    assert not Invitation.objects.cross_tenant().exists()


def test_a_client_staff_mix_is_refused(client, tenant_admin, customer):
    login_as(client, tenant_admin)
    response = client.post(
        "/settings/people/invite/",
        {"email": "x@example.com", "role": "agent", "customer": customer.pk},
    )
    assert response.status_code == 400 and "customer" in response.context["form"].errors


def test_another_tenants_customer_cannot_be_named(client, tenant_admin, other_tenant):
    theirs = CustomerFactory(tenant=other_tenant)
    login_as(client, tenant_admin)
    response = client.post(
        "/settings/people/invite/",
        {"email": "x@example.com", "role": "client", "customer": theirs.pk},
    )
    assert response.status_code == 400
    assert not Invitation.objects.cross_tenant().exists()


def test_an_existing_user_of_another_tenant_must_accept_explicitly(
    client, tenant_admin, outsider, django_capture_on_commit_callbacks
):
    login_as(client, tenant_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/settings/people/invite/", {"email": outsider.user.email, "role": "agent", "tier": "1"}
        )
    tenant = tenant_admin.tenant
    assert not Membership.objects.for_tenant(tenant).filter(user=outsider.user).exists()
    path = _link(mail.outbox[-1]).split(host(tenant), 1)[1]
    client.logout()
    client.defaults["HTTP_HOST"] = host(tenant)
    page = client.get(path)
    assert page.status_code == 200 and b"sign in with its password" in page.content
    # Choosing a password is not how an existing account accepts: it must give its own.
    assert client.post(path, {"password": "wrong-password"}).status_code == 400
    assert not Membership.objects.for_tenant(tenant).filter(user=outsider.user).exists()
    assert client.post(path, {"password": PASSWORD}).status_code == 302
    assert Membership.objects.for_tenant(tenant).filter(user=outsider.user).exists()


def test_resend_rotates_the_link_and_cancel_kills_it(
    client, tenant_admin, customer, django_capture_on_commit_callbacks
):
    tenant = tenant_admin.tenant
    with django_capture_on_commit_callbacks(execute=True):
        first = invitation_create(
            tenant=tenant,
            email="p@initech.example",
            role=Role.CLIENT,
            customer=customer,
            invited_by=None,
        )
    login_as(client, tenant_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/settings/people/invitations/{first.invitation.pk}/resend/")
    assert response.status_code == 302 and len(mail.outbox) == 2
    assert _link(mail.outbox[0]) != _link(mail.outbox[1])
    client.logout()
    client.defaults["HTTP_HOST"] = host(tenant)
    assert client.get(f"/accounts/invitations/{first.token}/").status_code == 404
    new_path = _link(mail.outbox[1]).split(host(tenant), 1)[1]
    assert client.get(new_path).status_code == 200
    login_as(client, tenant_admin)
    assert (
        client.post(f"/settings/people/invitations/{first.invitation.pk}/cancel/").status_code
        == 302
    )
    assert not Invitation.objects.cross_tenant().exists()
    client.logout()
    client.defaults["HTTP_HOST"] = host(tenant)
    assert client.get(new_path).status_code == 404


def test_another_tenants_invitation_is_a_404(client, tenant_admin, other_tenant):
    theirs = invitation_create(
        tenant=other_tenant, email="z@example.com", role=Role.AGENT, invited_by=None
    ).invitation
    login_as(client, tenant_admin)
    assert client.post(f"/settings/people/invitations/{theirs.pk}/cancel/").status_code == 404
    assert client.post(f"/settings/people/invitations/{theirs.pk}/resend/").status_code == 404
    assert Invitation.objects.cross_tenant().filter(pk=theirs.pk).exists()


# --- roles, tiers -------------------------------------------------------------------------------


def test_a_tenant_admin_changes_a_role_and_tier(client, tenant_admin, agent):
    login_as(client, tenant_admin)
    assert client.get(f"/settings/people/{agent.pk}/").status_code == 200
    response = client.post(f"/settings/people/{agent.pk}/", {"role": "team_lead", "tier": "3"})
    assert response.status_code == 302
    agent.refresh_from_db()
    assert (agent.role, agent.tier) == (Role.TEAM_LEAD, 3)


def test_a_client_moves_to_another_customer_and_becomes_client_admin(
    client, tenant_admin, client_user, other_customer
):
    login_as(client, tenant_admin)
    response = client.post(
        f"/settings/people/{client_user.pk}/",
        {"role": "client_admin", "customer": other_customer.pk},
    )
    assert response.status_code == 302
    client_user.refresh_from_db()
    assert (client_user.role, client_user.customer) == (Role.CLIENT_ADMIN, other_customer)


def test_client_roles_need_a_customer_and_staff_roles_refuse_one(
    client, tenant_admin, agent, customer
):
    login_as(client, tenant_admin)
    response = client.post(f"/settings/people/{agent.pk}/", {"role": "client"})
    assert response.status_code == 400 and "customer" in response.context["form"].errors
    response = client.post(
        f"/settings/people/{agent.pk}/", {"role": "agent", "customer": customer.pk}
    )
    assert response.status_code == 400
    agent.refresh_from_db()
    assert agent.role == Role.AGENT and agent.customer is None


def test_the_last_tenant_admin_cannot_demote_themselves(client, tenant_admin):
    login_as(client, tenant_admin)
    response = client.post(f"/settings/people/{tenant_admin.pk}/", {"role": "agent"})
    assert response.status_code == 400
    assert "at least one active tenant admin" in response.content.decode()
    tenant_admin.refresh_from_db()
    assert tenant_admin.role == Role.TENANT_ADMIN


def test_with_a_second_admin_one_may_step_down(client, tenant_admin, tenant):
    MembershipFactory(tenant=tenant, role=Role.TENANT_ADMIN, user__email="admin2@acme.example")
    login_as(client, tenant_admin)
    assert (
        client.post(f"/settings/people/{tenant_admin.pk}/", {"role": "manager"}).status_code == 302
    )
    tenant_admin.refresh_from_db()
    assert tenant_admin.role == Role.MANAGER
    # Now no longer an admin: the page is gone for them.
    assert client.get("/settings/people/").status_code == 404


def test_another_tenants_member_is_a_404(client, tenant_admin, outsider):
    login_as(client, tenant_admin)
    assert client.get(f"/settings/people/{outsider.pk}/").status_code == 404
    assert client.post(f"/settings/people/{outsider.pk}/", {"role": "agent"}).status_code == 404
    assert client.post(f"/settings/people/{outsider.pk}/deactivate/").status_code == 404
    outsider.refresh_from_db()
    assert outsider.is_active and outsider.role == Role.TENANT_ADMIN


# --- deactivation -------------------------------------------------------------------------------


def test_deactivation_signs_the_member_out_and_ends_their_tokens(
    client_user, tenant_admin, django_user_model
):
    from django.test import Client

    tenant = tenant_admin.tenant
    victim = Client(HTTP_HOST=host(tenant))
    assert (
        victim.post(
            "/accounts/login/", {"username": client_user.user.email, "password": PASSWORD}
        ).status_code
        == 302
    )
    assert victim.get("/accounts/profile/").status_code == 200
    _token, key = api_token_create(tenant=tenant, user=client_user.user)
    api = Client(HTTP_HOST=host(tenant), HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/tokens/").status_code == 200

    admin = Client()
    login_as(admin, tenant_admin)
    assert admin.post(f"/settings/people/{client_user.pk}/deactivate/").status_code == 302

    response = victim.get("/accounts/profile/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert api.get("/api/tokens/").status_code == 401
    assert ApiToken.objects.cross_tenant().get().revoked_at is not None
    # Reactivated, the person signs in again; the old session and token stay ended.
    assert admin.post(f"/settings/people/{client_user.pk}/reactivate/").status_code == 302
    assert victim.get("/accounts/profile/").status_code == 302
    assert api.get("/api/tokens/").status_code == 401
    again = Client(HTTP_HOST=host(tenant))
    assert (
        again.post(
            "/accounts/login/", {"username": client_user.user.email, "password": PASSWORD}
        ).status_code
        == 302
    )
    assert again.get("/accounts/profile/").status_code == 200


def test_a_session_opened_before_deactivation_stays_ended_after_reactivation(
    client, client_user, tenant_admin
):
    from django.test import Client

    login_as(client, client_user)
    assert client.get("/accounts/profile/").status_code == 200
    admin = Client()
    login_as(admin, tenant_admin)
    admin.post(f"/settings/people/{client_user.pk}/deactivate/")
    admin.post(f"/settings/people/{client_user.pk}/reactivate/")
    assert client.get("/accounts/profile/").status_code == 302


def test_the_last_tenant_admin_cannot_be_deactivated(client, tenant_admin):
    login_as(client, tenant_admin)
    response = client.post(f"/settings/people/{tenant_admin.pk}/deactivate/")
    assert response.status_code == 400
    tenant_admin.refresh_from_db()
    assert tenant_admin.is_active


# --- customers ----------------------------------------------------------------------------------


def test_a_tenant_admin_creates_and_edits_a_customer(client, tenant_admin, agent, tenant):
    plan = PlanFactory(tenant=tenant)
    login_as(client, tenant_admin)
    assert client.get("/settings/customers/new/").status_code == 200
    response = client.post(
        "/settings/customers/new/",
        {
            "name": "Hooli",
            "plan": plan.pk,
            "email_domains": "Hooli.example, @hooli.co.uk",
            "account_manager": agent.pk,
        },
    )
    assert response.status_code == 302
    hooli = Customer.objects.for_tenant(tenant).get(name="Hooli")
    assert hooli.email_domains == ["hooli.example", "hooli.co.uk"]
    assert hooli.account_manager == agent
    assert "Hooli" in client.get("/settings/customers/").content.decode()
    first = client_membership(tenant, hooli, user__email="a@hooli.example")
    second = client_membership(tenant, hooli, user__email="b@hooli.example")
    response = client.post(
        f"/settings/customers/{hooli.pk}/",
        {
            "name": "Hooli Inc",
            "plan": plan.pk,
            "email_domains": "hooli.example",
            "primary_contact": first.pk,
            "secondary_contact": second.pk,
        },
    )
    assert response.status_code == 302
    hooli.refresh_from_db()
    assert (hooli.name, hooli.primary_contact, hooli.secondary_contact, hooli.account_manager) == (
        "Hooli Inc",
        first,
        second,
        None,
    )


@pytest.mark.parametrize(
    "change,field",
    [
        ({"name": ""}, "name"),
        ({"name": "Initech"}, "name"),  # taken
        ({"plan": ""}, "plan"),
        ({"plan": "999999"}, "plan"),
        ({"email_domains": "not a domain!"}, "email_domains"),
        ({"email_domains": "initech.example"}, "email_domains"),  # another customer's
        ({"account_manager": "client"}, "account_manager"),
        ({"primary_contact": "other_client"}, "primary_contact"),
    ],
)
def test_bad_customer_input_is_a_400_with_field_errors(
    client, tenant_admin, tenant, customer, client_user, other_client, change, field
):
    customer.email_domains = ["initech.example"]
    customer.save()
    hooli = CustomerFactory(tenant=tenant, name="Hooli")
    data = {"name": "Hooli", "plan": hooli.plan_id, "email_domains": ""}
    members = {"client": client_user.pk, "other_client": other_client.pk}
    data.update({k: members.get(v, v) for k, v in change.items()})
    login_as(client, tenant_admin)
    response = client.post(f"/settings/customers/{hooli.pk}/", data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    hooli.refresh_from_db()
    assert hooli.name == "Hooli" and hooli.email_domains == []


def test_another_tenants_customer_and_plan_are_out_of_reach(client, tenant_admin, other_tenant):
    theirs = CustomerFactory(tenant=other_tenant)
    login_as(client, tenant_admin)
    assert client.get(f"/settings/customers/{theirs.pk}/").status_code == 404
    response = client.post("/settings/customers/new/", {"name": "X", "plan": theirs.plan_id})
    assert response.status_code == 400 and "plan" in response.context["form"].errors


# --- client admins: their own organisation ------------------------------------------------------


def test_a_client_admin_lists_and_invites_colleagues_into_their_own_organisation(
    client, client_admin, client_user, other_client, customer
):
    login_as(client, client_admin)
    page = client.get("/organisation/people/").content.decode()
    assert client_user.user.email in page and other_client.user.email not in page
    response = client.post(
        "/organisation/people/invite/", {"email": "new@initech.example", "role": "client_admin"}
    )
    assert response.status_code == 302
    invitation = Invitation.objects.cross_tenant().get()
    assert (invitation.customer, invitation.role) == (customer, Role.CLIENT_ADMIN)


def test_a_client_admin_cannot_invite_into_another_customer(
    client, client_admin, customer, other_customer
):
    login_as(client, client_admin)
    # The form has no customer: a smuggled one is ignored, the invitation is into their own.
    client.post(
        "/organisation/people/invite/",
        {"email": "x@example.com", "role": "client", "customer": other_customer.pk},
    )
    assert Invitation.objects.cross_tenant().get().customer == customer
    # Staff roles are not theirs to give.
    response = client.post(
        "/organisation/people/invite/", {"email": "y@example.com", "role": "agent"}
    )
    assert response.status_code == 400
    # Another organisation's people and invitations are 404s.
    theirs = invitation_create(
        tenant=customer.tenant,
        email="u@umbrella.example",
        role=Role.CLIENT,
        customer=other_customer,
        invited_by=None,
    )
    assert (
        client.post(f"/organisation/people/invitations/{theirs.invitation.pk}/cancel/").status_code
        == 404
    )


def test_a_client_admin_deactivates_a_colleague_but_not_another_organisations(
    client, client_admin, client_user, other_client
):
    login_as(client, client_admin)
    assert client.post(f"/organisation/people/{other_client.pk}/deactivate/").status_code == 404
    other_client.refresh_from_db()
    assert other_client.is_active
    assert client.post(f"/organisation/people/{client_user.pk}/deactivate/").status_code == 302
    client_user.refresh_from_db()
    assert not client_user.is_active


def test_the_last_client_admin_cannot_deactivate_themselves(client, client_admin, tenant, customer):
    login_as(client, client_admin)
    response = client.post(f"/organisation/people/{client_admin.pk}/deactivate/")
    assert response.status_code == 400
    client_admin.refresh_from_db()
    assert client_admin.is_active
    client_membership(tenant, customer, role=Role.CLIENT_ADMIN, user__email="b2@initech.example")
    assert client.post(f"/organisation/people/{client_admin.pk}/deactivate/").status_code == 302
    # Their own session ended with it.
    assert client.get("/organisation/people/").status_code == 302


def test_bad_colleague_invitations_are_400s(client, client_admin, client_user):
    login_as(client, client_admin)
    assert (
        client.post("/organisation/people/invite/", {"email": "nope", "role": "client"}).status_code
        == 400
    )
    response = client.post(
        "/organisation/people/invite/", {"email": client_user.user.email, "role": "client"}
    )
    assert response.status_code == 400 and b"already a member" in response.content


def test_the_contacts_page_names_primary_and_secondary(client, client_admin, client_user, customer):
    login_as(client, client_admin)
    assert (
        client.post(
            "/organisation/",
            {"primary_contact": client_admin.pk, "secondary_contact": client_user.pk},
        ).status_code
        == 302
    )
    customer.refresh_from_db()
    assert (customer.primary_contact, customer.secondary_contact) == (client_admin, client_user)
    response = client.post(
        "/organisation/", {"primary_contact": client_user.pk, "secondary_contact": client_user.pk}
    )
    assert response.status_code == 400
    response = client.post("/organisation/", {"primary_contact": ""})
    assert response.status_code == 400
