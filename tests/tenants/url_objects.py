"""Objects for the URL isolation test (tests/test_isolation.py): kwarg -> maker(tenant)."""

from tests.factories import CustomerFactory, MembershipFactory, PlanFactory

URL_OBJECTS = {
    "admin:tenants.customer": lambda tenant: CustomerFactory(tenant=tenant).pk,
    "admin:tenants.membership": lambda tenant: MembershipFactory(tenant=tenant).pk,
    "admin:sla.plan": lambda tenant: PlanFactory(tenant=tenant).pk,
}
