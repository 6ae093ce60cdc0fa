"""`active_member_by_email`: the written-out lookup the email intake makes for every message."""

from __future__ import annotations

from tenants.models import Membership, User
from tenants.selectors import active_member_by_email
from tests.factories import CustomerFactory, client_membership


def orm(tenant, email):
    members = Membership.objects.for_tenant(tenant).select_related("user").filter(is_active=True)
    return (
        members.filter(user__email=email.lower()).first()
        or members.filter(user__email__iexact=email).first()
    )


def test_it_finds_what_the_scoped_orm_query_finds(
    tenant, other_tenant, customer, client_user, agent, django_assert_num_queries
):

    elsewhere = CustomerFactory(tenant=other_tenant, name="Elsewhere")
    other = client_membership(other_tenant, elsewhere, user__email="elsewhere@initech.example")
    inactive = client_membership(tenant, customer, user__email="gone@initech.example")
    inactive.is_active = False
    inactive.save()
    odd = client_membership(tenant, customer, user__email="placeholder@initech.example")
    User.objects.filter(pk=odd.user_id).update(email="Mixed.Case@Initech.example")  # by hand
    emails = [
        client_user.user.email, client_user.user.email.upper(), agent.user.email,
        "gone@initech.example", "elsewhere@initech.example", "mixed.case@initech.example",
        "MIXED.CASE@INITECH.EXAMPLE", "nobody@initech.example", "",
    ]  # fmt: skip
    for email in emails:
        found = active_member_by_email(tenant=tenant, email=email)
        expected = orm(tenant, email) if email else None
        assert (found and found.pk) == (expected and expected.pk), email
        if found is not None:
            with django_assert_num_queries(0):  # its user and tenant come with it
                assert found.user.email == expected.user.email
                assert found.tenant == tenant and found.is_client == expected.is_client
    assert active_member_by_email(tenant=other_tenant, email=other.user.email) == other
    assert active_member_by_email(tenant=tenant, email="mixed.case@initech.example") == odd
