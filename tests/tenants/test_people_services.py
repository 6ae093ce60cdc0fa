"""People services and selectors (issue #12 item 6): rules that hold whoever calls them."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404

from tenants import selectors, services
from tenants.models import Membership, User
from tenants.roles import Role
from tests.conftest import login_as
from tests.factories import CustomerFactory, MembershipFactory, client_membership

pytestmark = pytest.mark.django_db(transaction=False)


def test_membership_update_refuses_client_roles_without_customer(tenant, agent):
    with pytest.raises(ValidationError) as error:
        services.membership_update(
            tenant=tenant, membership=agent, role=Role.CLIENT, tier=None, actor=None
        )
    assert "customer" in error.value.message_dict


def test_membership_update_refuses_a_tier_for_clients(tenant, client_user):
    with pytest.raises(ValidationError) as error:
        services.membership_update(
            tenant=tenant, membership=client_user, role=Role.CLIENT, tier=2, actor=None
        )
    assert "tier" in error.value.message_dict


def test_membership_update_refuses_another_tenants_customer(tenant, other_tenant, client_user):
    theirs = CustomerFactory(tenant=other_tenant)
    with pytest.raises(ValidationError):
        services.membership_update(
            tenant=tenant,
            membership=client_user,
            role=Role.CLIENT,
            tier=None,
            customer=theirs,
            actor=None,
        )


def test_membership_update_on_another_tenants_member_is_a_404(tenant, outsider):
    with pytest.raises(Http404):
        services.membership_update(
            tenant=tenant, membership=outsider, role=Role.AGENT, tier=1, actor=None
        )


def test_staff_role_drops_the_customer(tenant, client_user):
    services.membership_update(
        tenant=tenant, membership=client_user, role=Role.AGENT, tier=1, actor=None
    )
    client_user.refresh_from_db()
    assert (client_user.role, client_user.customer, client_user.tier) == (Role.AGENT, None, 1)


def test_an_inactive_admin_does_not_count_towards_the_last_admin_rule(tenant, tenant_admin):
    MembershipFactory(tenant=tenant, role=Role.TENANT_ADMIN, is_active=False)
    with pytest.raises(ValidationError):
        services.membership_update(
            tenant=tenant,
            membership=tenant_admin,
            role=Role.MANAGER,
            tier=None,
            actor=tenant_admin.user,
        )


@pytest.mark.django_db(transaction=True)
def test_two_admins_demoting_each_other_at_once_leave_one_admin(tenant):
    """Real concurrent transactions: without the row lock both demotions would pass."""
    first = MembershipFactory(tenant=tenant, role=Role.TENANT_ADMIN, tier=None)
    second = MembershipFactory(tenant=tenant, role=Role.TENANT_ADMIN, tier=None)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def demote(member: Membership) -> None:
        try:
            barrier.wait(timeout=10)
            services.membership_update(
                tenant=tenant, membership=member, role=Role.MANAGER, tier=None, actor=None
            )
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=demote, args=(m,)) for m in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["ok", "refused"]
    admins = Membership.objects.for_tenant(tenant).filter(role=Role.TENANT_ADMIN, is_active=True)
    assert admins.count() == 1


def test_deactivation_bumps_the_session_epoch_and_reactivation_keeps_it(tenant, agent):
    services.membership_deactivate(tenant=tenant, membership=agent)
    agent.refresh_from_db()
    assert (agent.is_active, agent.session_epoch) == (False, 1)
    services.membership_reactivate(tenant=tenant, membership=agent)
    agent.refresh_from_db()
    assert (agent.is_active, agent.session_epoch) == (True, 1)


def test_colleague_deactivate_is_for_the_own_organisation_only(
    tenant, customer, client_admin, other_client
):
    with pytest.raises(Http404):
        services.colleague_deactivate(
            tenant=tenant, customer=customer, membership=other_client, actor=client_admin.user
        )


# --- client_contact_create (the intake's door) --------------------------------------------------


def test_client_contact_create_makes_a_passwordless_client(tenant, customer):
    member = services.client_contact_create(
        tenant=tenant, customer=customer, email=" New.Person@Initech.example "
    )
    assert (member.role, member.customer, member.user.email) == (
        Role.CLIENT,
        customer,
        "new.person@initech.example",
    )
    assert not member.user.has_usable_password()
    again = services.client_contact_create(
        tenant=tenant, customer=customer, email="new.person@initech.example"
    )
    assert again.pk == member.pk and User.objects.count() == 1


def test_client_contact_create_refuses_staff_addresses(tenant, customer, agent):
    with pytest.raises(ValidationError):
        services.client_contact_create(tenant=tenant, customer=customer, email=agent.user.email)


def test_client_contact_create_refuses_another_tenants_customer(tenant, other_tenant):
    with pytest.raises(Http404):
        services.client_contact_create(
            tenant=tenant, customer=CustomerFactory(tenant=other_tenant), email="a@example.com"
        )


# --- organisation_notice_recipients -------------------------------------------------------------


def test_notice_recipients_are_client_admins_and_named_contacts(
    tenant, customer, client_admin, client_user, other_client
):
    plain = client_membership(tenant, customer, user__email="plain@initech.example")
    gone = client_membership(
        tenant,
        customer,
        role=Role.CLIENT_ADMIN,
        user__email="gone@initech.example",
        is_active=False,
    )
    customer.primary_contact = client_user
    customer.secondary_contact = client_admin  # also a client admin: listed once
    customer.save()
    recipients = selectors.organisation_notice_recipients(tenant=tenant, customer=customer)
    assert [u.email for u in recipients] == ["boss@initech.example", "client@initech.example"]
    assert plain.user not in recipients and gone.user not in recipients
    assert other_client.user not in recipients


def test_a_deactivated_contact_receives_no_notices(tenant, customer, client_user):
    customer.primary_contact = client_user
    customer.save()
    services.membership_deactivate(tenant=tenant, membership=client_user)
    assert selectors.organisation_notice_recipients(tenant=tenant, customer=customer) == []


def test_notice_recipients_of_another_tenants_customer_are_none(tenant, other_tenant):
    theirs = CustomerFactory(tenant=other_tenant)
    client_membership(other_tenant, theirs, role=Role.CLIENT_ADMIN)
    assert selectors.organisation_notice_recipients(tenant=tenant, customer=theirs) == []


# --- the Django admin is not a second door ------------------------------------------------------


def test_the_admin_cannot_deactivate_or_delete_a_membership(client, tenant_admin, agent):
    tenant_admin.user.is_staff = True
    tenant_admin.user.save()
    login_as(client, tenant_admin)
    url = f"/admin/tenants/membership/{agent.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert b'name="is_active"' not in page.content and b"/settings/people/" in page.content
    client.post(url, {"role": "team_lead", "tier": "2", "is_active": ""})
    agent.refresh_from_db()
    assert agent.is_active and (agent.role, agent.tier) == (Role.TEAM_LEAD, 2)
    # A role change in the admin keeps the last-admin rule.
    own = f"/admin/tenants/membership/{tenant_admin.pk}/change/"
    response = client.post(own, {"role": "agent", "tier": "1"})
    assert b"at least one active tenant admin" in response.content
    tenant_admin.refresh_from_db()
    assert tenant_admin.role == Role.TENANT_ADMIN
    assert (
        client.post(f"/admin/tenants/membership/{agent.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert Membership.objects.for_tenant(agent.tenant).filter(pk=agent.pk).exists()
