"""Objects for the route walk: one factory per URL kwarg of escalation's routes."""

from __future__ import annotations

from escalation import services
from escalation.models import Source
from tenants.roles import Role
from tests.factories import MembershipFactory

from .factories import ladder, role_level, ticket_for


def _ladder(tenant):
    from escalation.models import EscalationLadder

    found = EscalationLadder.objects.for_tenant(tenant).filter(name="Walk").first()
    return found or ladder(tenant, [role_level(Role.MANAGER)], name="Walk")


def _escalation_id(tenant) -> int:
    _ladder(tenant)
    ticket = ticket_for(tenant)
    agent = MembershipFactory(tenant=tenant, role=Role.AGENT)
    return services.escalation_open(
        tenant=tenant, ticket=ticket, source=Source.AGENT, reason="stuck", requested_by=agent
    ).pk


URL_OBJECTS = {
    "escalation_id": _escalation_id,
    "ladder_id": lambda tenant: _ladder(tenant).pk,
    "level_id": lambda tenant: _ladder(tenant).levels.first().pk,
    "admin:escalation.escalation": _escalation_id,
    "admin:escalation.escalationladder": lambda tenant: _ladder(tenant).pk,
    "admin:escalation.escalationlevel": lambda tenant: _ladder(tenant).levels.first().pk,
}
