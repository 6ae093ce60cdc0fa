"""Objects for the URL isolation test (tests/test_isolation.py): kwarg -> maker(tenant)."""

from tenants.invitations import invitation_create
from tenants.roles import Role
from tenants.services import api_token_create
from tests.factories import CustomerFactory, MembershipFactory, PlanFactory, client_membership


def _token_id(tenant) -> int:
    """A token of an agent of `tenant` (revoking it is for its owner only)."""
    membership = MembershipFactory(tenant=tenant)
    return api_token_create(tenant=tenant, user=membership.user)[0].pk


URL_OBJECTS = {
    "admin:tenants.customer": lambda tenant: CustomerFactory(tenant=tenant).pk,
    "admin:tenants.membership": lambda tenant: MembershipFactory(tenant=tenant).pk,
    "admin:sla.plan": lambda tenant: PlanFactory(tenant=tenant).pk,
    "admin:tenants.invitation": lambda tenant: _invite(tenant).invitation.pk,
    "token": lambda tenant: _invite(tenant).token,
    "token_id": _token_id,
    # People pages: a client (so /organisation/people/ routes have someone to act on too) and
    # a pending invitation into a customer.
    "member_id": lambda tenant: client_membership(tenant, CustomerFactory(tenant=tenant)).pk,
    "invitation_id": lambda tenant: invitation_create(
        tenant=tenant, email=f"client-{tenant.slug}@example.com", role=Role.CLIENT,
        customer=CustomerFactory(tenant=tenant), invited_by=None,
    ).invitation.pk,  # fmt: skip
}


def _invite(tenant):
    return invitation_create(tenant=tenant, email=f"invited-{tenant.slug}@example.com",
                             role=Role.AGENT, invited_by=None)  # fmt: skip
