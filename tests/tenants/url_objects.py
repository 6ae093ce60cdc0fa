"""Objects for the URL isolation test (tests/test_isolation.py): kwarg -> maker(tenant)."""

from tenants.services import api_token_create
from tests.factories import CustomerFactory, MembershipFactory, PlanFactory


def _token_id(tenant) -> int:
    """A token of an agent of `tenant` (revoking it is for its owner only)."""
    membership = MembershipFactory(tenant=tenant)
    return api_token_create(tenant=tenant, user=membership.user)[0].pk


URL_OBJECTS = {
    "admin:tenants.customer": lambda tenant: CustomerFactory(tenant=tenant).pk,
    "admin:tenants.membership": lambda tenant: MembershipFactory(tenant=tenant).pk,
    "admin:sla.plan": lambda tenant: PlanFactory(tenant=tenant).pk,
    "token_id": _token_id,
}
