"""Fixtures every test can use: two tenants, and people in each role, plus an outsider."""

from __future__ import annotations

import os

import pytest

from tenants.roles import Role

from .factories import CustomerFactory, MembershipFactory, TenantFactory, client_membership

# Playwright's sync API runs an event loop in the test thread; the ORM calls made from that
# thread are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "pw-Secret-123"


@pytest.fixture
def tenant(db):
    return TenantFactory(slug="acme", name="Acme Support", reference_prefix="ACM")


@pytest.fixture
def other_tenant(db):
    return TenantFactory(slug="globex", name="Globex Support", reference_prefix="GLX")


@pytest.fixture
def customer(tenant):
    return CustomerFactory(tenant=tenant, name="Initech")


@pytest.fixture
def other_customer(tenant):
    """Another client organisation of the same tenant."""
    return CustomerFactory(tenant=tenant, name="Umbrella")


@pytest.fixture
def client_user(tenant, customer):
    return client_membership(tenant, customer, user__email="client@initech.example")


@pytest.fixture
def client_admin(tenant, customer):
    return client_membership(
        tenant, customer, role=Role.CLIENT_ADMIN, user__email="boss@initech.example"
    )


@pytest.fixture
def other_client(tenant, other_customer):
    return client_membership(tenant, other_customer, user__email="client@umbrella.example")


@pytest.fixture
def agent(tenant):
    return MembershipFactory(
        tenant=tenant, role=Role.AGENT, tier=1, user__email="agent@acme.example"
    )


@pytest.fixture
def manager(tenant):
    return MembershipFactory(tenant=tenant, role=Role.MANAGER, user__email="manager@acme.example")


@pytest.fixture
def tenant_admin(tenant):
    return MembershipFactory(
        tenant=tenant, role=Role.TENANT_ADMIN, user__email="admin@acme.example"
    )


@pytest.fixture
def outsider(other_tenant):
    """A staff member of another tenant: must never see anything of `tenant`."""
    return MembershipFactory(
        tenant=other_tenant, role=Role.TENANT_ADMIN, user__email="admin@globex.example"
    )


def host(tenant) -> str:
    return f"{tenant.slug}.localhost"


@pytest.fixture
def tenant_client(client, tenant):
    """A Django test client talking to `tenant`'s host."""
    client.defaults["HTTP_HOST"] = host(tenant)
    return client


def login_as(client, membership) -> None:
    client.force_login(membership.user, backend="django.contrib.auth.backends.ModelBackend")
    client.defaults["HTTP_HOST"] = host(membership.tenant)
