"""Each seed ladder end to end through the scans: a demo ticket's deadline passes, the SLA
breach scan records the breach and escalates it to level 1 of the tenant's ladder; nobody
acknowledges, the acknowledgement scan climbs it level after level (seed-policies.md)."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from escalation.breach_scan import sla_scan_cross_tenant
from escalation.models import Escalation, Source
from escalation.scan import escalation_scan_cross_tenant
from notifications.outbound.models import Notification
from tenants.models import Customer, Membership, Tenant
from tests.tickets.factories import make_ticket
from tickets.models import Ticket, TicketEvent

from .test_seed_ladders import MONDAY, _member, demo, tenant_priority  # noqa: F401 - fixture


def _breached(slug: str, plan: str) -> tuple[Ticket, Escalation]:
    tenant = Tenant.objects.get(slug=slug)
    client = Membership.objects.get(tenant=tenant, user__email=f"client@{plan}.{slug}.example")
    with time_machine.travel(MONDAY, tick=False):
        ticket = make_ticket(client, priority=tenant_priority(tenant))
    result = sla_scan_cross_tenant(now=MONDAY + timedelta(days=30))
    assert result.breached >= 1 and result.escalated >= 1, result
    assert Ticket.objects.get(pk=ticket.pk).is_breached
    assert TicketEvent.objects.filter(ticket=ticket, kind="sla_breached").exists()
    first = Escalation.objects.filter(ticket=ticket, source=Source.SLA_BREACH).order_by("pk")
    return ticket, first.first()


def _recipients(escalation: Escalation, kind: str) -> set[str]:
    link = f"/work/{escalation.ticket.reference}/"
    return set(Notification.objects.filter(kind=kind, link=link)
               .values_list("recipient__user__email", flat=True))  # fmt: skip


def _climb(escalation: Escalation) -> Escalation:
    escalation_scan_cross_tenant(now=escalation.acknowledge_by)
    escalation.refresh_from_db()
    return escalation


def test_bitcraft_breach_goes_to_the_escalation_manager_who_is_reminded(demo):  # noqa: F811
    ticket, escalation = _breached("bitcraft", "standard")
    assert escalation.level_number == 1
    assert "manager@bitcraft.example" in _recipients(escalation, "escalation_opened")
    escalation = _climb(escalation)
    assert escalation.level_number == 1  # the top level stays and reminds
    assert "manager@bitcraft.example" in _recipients(escalation, "escalation_reminder")


def test_bytez_breach_lead_then_account_manager_then_management(demo):  # noqa: F811
    ticket, escalation = _breached("bytez", "premium")
    assert "lead@bytez.example" in _recipients(escalation, "escalation_opened")
    account_manager = Customer.objects.get(pk=ticket.customer_id).account_manager
    escalation = _climb(escalation)
    assert (escalation.level_number, escalation.owner) == (2, account_manager)
    escalation = _climb(escalation)
    assert escalation.level_number == 3
    assert "exec@bytez.example" in _recipients(escalation, "escalation_climbed")
    kinds = list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert kinds.count("escalation_climbed") == 2 and "escalated" in kinds


def test_ionetech_breach_moves_the_ticket_up_the_tiers(demo):  # noqa: F811
    ticket, escalation = _breached("ionetech", "standard")
    assert "agent1@ionetech.example" in _recipients(escalation, "escalation_opened")
    for tier in (2, 3):
        escalation = _climb(escalation)
        ticket.refresh_from_db()
        assert (escalation.level_number, ticket.tier) == (tier, tier)
        assert f"agent{tier}@ionetech.example" in _recipients(escalation, "escalation_climbed")


def test_cloudops_breach_lead_department_manager_executive(demo):  # noqa: F811
    ticket, escalation = _breached("cloudops", "standard")
    assert "lead@cloudops.example" in _recipients(escalation, "escalation_opened")
    escalation = _climb(escalation)
    assert escalation.level_number == 2
    assert "manager@cloudops.example" in _recipients(escalation, "escalation_climbed")
    escalation = _climb(escalation)
    assert escalation.level_number == 3
    assert "exec@cloudops.example" in _recipients(escalation, "escalation_climbed")
