"""Report test data: tickets made through the tickets services, time moved with time-machine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine

from tests.factories import CustomerFactory, client_membership
from tests.tickets.factories import make_ticket, sla_config
from tickets import services

# A Monday in March 2026; the test tenant's zone is America/New_York (UTC-5 then): 09:00 local.
T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def met_ticket(requester, agent, *, at=T0, answer_after=timedelta(hours=1), priority="high"):
    """A ticket answered by an agent `answer_after` its creation (high: 4 h first response)."""
    with time_machine.travel(at, tick=False):
        ticket = make_ticket(requester, priority=priority)
    with time_machine.travel(at + answer_after, tick=False):
        services.ticket_reply(tenant=requester.tenant, ticket=ticket, author=agent, body="On it")
    return ticket


def overdue_ticket(requester, *, at=T0, priority="high"):
    """A ticket nobody answers: past its first-response deadline once time moves on."""
    with time_machine.travel(at, tick=False):
        return make_ticket(requester, priority=priority)


def requester_of(tenant, name, plan=None):
    kwargs = {"tenant": tenant, "name": name}
    if plan is not None:
        kwargs["plan"] = plan
    customer = CustomerFactory(**kwargs)
    sla_config(tenant, customer.plan)
    return client_membership(tenant, customer)
