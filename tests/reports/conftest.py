from __future__ import annotations

from datetime import timedelta

import pytest

from tenants.roles import Role
from tests.factories import MembershipFactory, client_membership
from tests.tickets.factories import sla_config

from .factories import T0, met_ticket, overdue_ticket

# When the report is read: two days after T0.
NOW = T0 + timedelta(days=2)


@pytest.fixture
def team_lead(tenant):
    return MembershipFactory(tenant=tenant, role=Role.TEAM_LEAD, user__email="lead@acme.example")


@pytest.fixture
def world(tenant, agent, client_user, other_client, outsider, other_tenant):
    """Initech: one ticket answered in 1 h (met), one never answered (breached).
    Umbrella (another plan): one ticket a day later, answered in 3 h (met).
    Globex (another tenant): a breached ticket that must never be counted here."""
    sla_config(tenant, client_user.customer.plan)
    sla_config(tenant, other_client.customer.plan)
    met = met_ticket(client_user, agent)
    late = overdue_ticket(client_user)
    umbrella = met_ticket(
        other_client, agent, at=T0 + timedelta(days=1), answer_after=timedelta(hours=3)
    )
    from tests.factories import CustomerFactory

    globex_customer = CustomerFactory(tenant=other_tenant, name="Hooli")
    sla_config(other_tenant, globex_customer.plan)
    globex_client = client_membership(other_tenant, globex_customer)
    overdue_ticket(globex_client)
    overdue_ticket(globex_client)
    return {"met": met, "late": late, "umbrella": umbrella}
