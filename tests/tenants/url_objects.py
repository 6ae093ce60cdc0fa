"""Objects for the URL isolation test (tests/test_isolation.py): kwarg -> maker(tenant)."""

from tenants.invitations import invitation_create
from tenants.roles import Role
from tests.factories import CustomerFactory, MembershipFactory, PlanFactory

URL_OBJECTS = {
    "admin:tenants.customer": lambda tenant: CustomerFactory(tenant=tenant).pk,
    "admin:tenants.membership": lambda tenant: MembershipFactory(tenant=tenant).pk,
    "admin:sla.plan": lambda tenant: PlanFactory(tenant=tenant).pk,
    "admin:tenants.invitation": lambda tenant: _invite(tenant).invitation.pk,
    "token": lambda tenant: _invite(tenant).token,
}


def _invite(tenant):
    return invitation_create(tenant=tenant, email=f"invited-{tenant.slug}@example.com",
                             role=Role.AGENT, invited_by=None)  # fmt: skip
