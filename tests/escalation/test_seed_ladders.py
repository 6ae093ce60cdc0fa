"""Each seed tenant's ladder behaves as seed-policies.md says."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.management import call_command

from escalation import services
from escalation.models import EscalationLadder, Source
from escalation.scan import escalation_scan_cross_tenant
from notifications.outbound.models import Notification
from tenants.models import Customer, Membership, Tenant
from tenants.roles import Role
from tests.tickets.factories import make_ticket

# Monday 2 March 2026, 15:00 UTC: inside every seed tenant's week.
MONDAY = datetime(2026, 3, 2, 15, tzinfo=UTC)


@pytest.fixture
def demo(db, settings):
    settings.DEBUG = True
    call_command("load_demo")
    call_command("load_demo")  # idempotent: no second ladder


def _member(slug: str, local: str) -> Membership:
    return Membership.objects.get(tenant__slug=slug, user__email=f"{local}@{slug}.example")


def _client_request(slug: str, plan: str = "standard"):
    tenant = Tenant.objects.get(slug=slug)
    client = Membership.objects.get(tenant=tenant, user__email=f"client@{plan}.{slug}.example")
    ticket = make_ticket(client, priority=tenant_priority(tenant))
    escalation = services.escalation_open(
        tenant=tenant, ticket=ticket, source=Source.CLIENT_REQUEST, reason="Too slow",
        requested_by=client, at=MONDAY,
    )  # fmt: skip
    return tenant, ticket, escalation


def tenant_priority(tenant: Tenant) -> str:
    from sla.models import Priority

    return Priority.objects.filter(tenant=tenant).order_by("order").first().key


def _climb(escalation):
    escalation_scan_cross_tenant(now=escalation.acknowledge_by)
    escalation.refresh_from_db()
    return escalation


def _notified(member: Membership, kind: str) -> bool:
    return Notification.objects.filter(recipient=member, kind=kind).exists()


def test_every_seed_tenant_has_one_ladder(demo):
    counts = {t.slug: EscalationLadder.objects.filter(tenant=t).count()
              for t in Tenant.objects.all()}  # fmt: skip
    assert counts == {"bitcraft": 1, "bytez": 1, "ionetech": 1, "cloudops": 1}


def test_bitcraft_escalation_manager_reviews_requests(demo):
    tenant, ticket, escalation = _client_request("bitcraft")
    assert _notified(_member("bitcraft", "manager"), "escalation_opened")
    escalation = _climb(escalation)  # one level: stays there and reminds
    assert escalation.level_number == 1
    assert _notified(_member("bitcraft", "manager"), "escalation_reminder")


def test_bytez_lead_then_account_manager_then_management_each_within_4_bh(demo):
    tenant, ticket, escalation = _client_request("bytez", "premium")
    # Monday 10:00 New York + 4 business hours (09:00-18:00) = 14:00 New York = 19:00 UTC.
    assert escalation.acknowledge_by == datetime(2026, 3, 2, 19, tzinfo=UTC)
    assert _notified(_member("bytez", "lead"), "escalation_opened")
    account_manager = Customer.objects.get(pk=ticket.customer_id).account_manager
    escalation = _climb(escalation)
    assert (escalation.level_number, escalation.owner) == (2, account_manager)
    assert _notified(account_manager, "escalation_climbed")
    escalation = _climb(escalation)
    assert escalation.level_number == 3
    assert _notified(_member("bytez", "exec"), "escalation_climbed")


def test_ionetech_tiers_move_the_ticket(demo):
    tenant, ticket, escalation = _client_request("ionetech")
    assert _notified(_member("ionetech", "agent1"), "escalation_opened")
    escalation = _climb(escalation)
    ticket.refresh_from_db()
    assert (escalation.level_number, ticket.tier) == (2, 2)
    assert _notified(_member("ionetech", "agent2"), "escalation_climbed")
    escalation = _climb(escalation)
    ticket.refresh_from_db()
    assert ticket.tier == 3 and _notified(_member("ionetech", "agent3"), "escalation_climbed")


def test_cloudops_lead_department_manager_executive(demo):
    tenant, ticket, escalation = _client_request("cloudops")
    levels = []
    for local in ("lead", "manager", "exec"):
        member = _member("cloudops", local)
        assert Role(member.role) in (Role.TEAM_LEAD, Role.MANAGER, Role.EXECUTIVE)
        levels.append(escalation.level_number)
        kind = "escalation_opened" if local == "lead" else "escalation_climbed"
        assert _notified(member, kind), local
        escalation = _climb(escalation)
    assert levels == [1, 2, 3]


def test_a_breach_escalates_on_the_seed_ladder(demo):
    tenant = Tenant.objects.get(slug="bytez")
    client = Membership.objects.get(tenant=tenant, user__email="client@premium.bytez.example")
    ticket = make_ticket(client, priority=tenant_priority(tenant))
    escalation = services.escalation_on_breach(
        tenant=tenant, ticket_id=ticket.pk, clock_id=None, metric="first_response", cycle=1,
        breached_at=MONDAY,
    )  # fmt: skip
    assert escalation.source == Source.SLA_BREACH and escalation.level.name.startswith("Support")
