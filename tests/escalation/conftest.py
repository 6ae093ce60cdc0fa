from __future__ import annotations

import pytest

from tenants.roles import Role
from tests.factories import MembershipFactory


@pytest.fixture
def lead(tenant):
    return MembershipFactory(tenant=tenant, role=Role.TEAM_LEAD, user__email="lead@acme.example")


@pytest.fixture
def executive(tenant):
    return MembershipFactory(tenant=tenant, role=Role.EXECUTIVE, user__email="exec@acme.example")


@pytest.fixture
def tier2(tenant):
    return MembershipFactory(
        tenant=tenant, role=Role.AGENT, tier=2, user__email="tier2@acme.example"
    )
