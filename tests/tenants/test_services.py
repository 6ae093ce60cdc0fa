"""tenants.services: the writes the profile and organisation pages make go through here
(issue #7 item 4), and they hold their own rules for any other caller."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tenants import services
from tenants.models import Customer
from tests.conftest import login_as
from tests.factories import client_membership


def test_profile_update_saves_name_and_zone(client_user):
    services.profile_update(user=client_user.user, full_name="Cleo", time_zone="Asia/Tokyo")
    client_user.user.refresh_from_db()
    assert (client_user.user.full_name, client_user.user.time_zone) == ("Cleo", "Asia/Tokyo")


def test_profile_update_refuses_an_unknown_zone(client_user):
    with pytest.raises(ValidationError):
        services.profile_update(user=client_user.user, full_name="x", time_zone="Mars/Olympus")


def test_contacts_update_names_members_of_the_organisation(tenant, customer, client_admin):
    second = client_membership(tenant, customer)
    services.contacts_update(
        tenant=tenant, customer=customer, primary_contact=client_admin, secondary_contact=second
    )
    customer = Customer.objects.for_tenant(tenant).get(pk=customer.pk)
    assert (customer.primary_contact_id, customer.secondary_contact_id) == (
        client_admin.pk,
        second.pk,
    )


@pytest.mark.parametrize("who", ["other_client", "agent", "outsider"])
def test_contacts_update_refuses_anyone_outside_the_organisation(
    tenant, customer, client_admin, who, request
):
    stranger = request.getfixturevalue(who)
    with pytest.raises(ValidationError) as error:
        services.contacts_update(
            tenant=tenant, customer=customer, primary_contact=stranger, secondary_contact=None
        )
    assert "primary_contact" in error.value.message_dict


def test_contacts_update_refuses_the_same_person_twice(tenant, customer, client_admin):
    with pytest.raises(ValidationError):
        services.contacts_update(
            tenant=tenant,
            customer=customer,
            primary_contact=client_admin,
            secondary_contact=client_admin,
        )


def test_the_organisation_page_saves_through_the_service(tenant_client, customer, client_admin):
    second = client_membership(customer.tenant, customer)
    login_as(tenant_client, client_admin)
    response = tenant_client.post(
        "/organisation/", {"primary_contact": second.pk, "secondary_contact": client_admin.pk}
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.primary_contact_id == second.pk
