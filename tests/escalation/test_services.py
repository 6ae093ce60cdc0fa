"""Escalation services: opening, acknowledging, climbing, resolving — with history rows and
notifications, and acknowledgement deadlines in business time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from escalation import services
from escalation.models import Escalation, Source, Status, TargetKind
from escalation.scan import escalation_scan_cross_tenant
from notifications.outbound.models import Notification
from tenants.roles import Role
from tickets.models import TicketEvent

from .factories import business_calendar, ladder, role_level, ticket_for

# Monday 2 March 2026, 16:00 in New York (21:00 UTC): one business hour left that day.
MONDAY_4PM = datetime(2026, 3, 2, 21, tzinfo=UTC)


def kinds(ticket):
    events = TicketEvent.objects.filter(ticket=ticket).order_by("id")
    return list(events.values_list("kind", flat=True))


@pytest.fixture
def three_levels(tenant, lead, manager, executive):
    return ladder(
        tenant,
        [
            role_level(Role.TEAM_LEAD, name="Team lead", calendar=business_calendar(tenant)),
            role_level(Role.MANAGER, name="Manager", hours=2),
            {"target_kind": TargetKind.MEMBER, "target_member": executive, "name": "Exec",
             "hours": 1},
        ],
    )  # fmt: skip


@pytest.mark.django_db
def test_it_opens_a_client_request_due_in_business_time(tenant, client_user, lead, three_levels):
    ticket = ticket_for(tenant, requester=client_user)
    escalation = services.escalation_open(
        tenant=tenant, ticket=ticket, source=Source.CLIENT_REQUEST, reason="Too slow",
        requested_by=client_user, at=MONDAY_4PM,
    )  # fmt: skip
    assert escalation.level_number == 1 and escalation.status == Status.OPEN
    # 4 business hours from Monday 16:00 (9-17 New York): 1 h Monday + 3 h Tuesday = 12:00.
    assert escalation.acknowledge_by == datetime(2026, 3, 3, 17, tzinfo=UTC)
    assert "escalation_requested" in kinds(ticket)
    note = Notification.objects.get(recipient=lead, kind="escalation_opened")
    assert ticket.reference in note.subject and note.link == f"/work/{ticket.reference}/"


@pytest.mark.django_db
def test_a_second_open_request_is_a_conflict(tenant, client_user, three_levels):
    ticket = ticket_for(tenant, requester=client_user)
    args = dict(tenant=tenant, ticket=ticket, source=Source.CLIENT_REQUEST,
                requested_by=client_user)  # fmt: skip
    services.escalation_open(reason="one", **args)
    with pytest.raises(services.EscalationConflict):
        services.escalation_open(reason="two", **args)
    assert Escalation.objects.filter(ticket=ticket).count() == 1


@pytest.mark.django_db
def test_a_request_needs_a_reason_and_an_open_ticket(tenant, client_user, three_levels):
    ticket = ticket_for(tenant, requester=client_user)
    with pytest.raises(ValidationError) as error:
        services.escalation_open(tenant=tenant, ticket=ticket, source=Source.CLIENT_REQUEST,
                                 reason="  ", requested_by=client_user)  # fmt: skip
    assert "reason" in error.value.message_dict


@pytest.mark.django_db
def test_acknowledge_stops_the_climb(tenant, client_user, lead, three_levels):
    ticket = ticket_for(tenant, requester=client_user)
    escalation = services.escalation_open(
        tenant=tenant, ticket=ticket, source=Source.CLIENT_REQUEST, reason="x",
        requested_by=client_user, at=MONDAY_4PM,
    )  # fmt: skip
    services.escalation_acknowledge(tenant=tenant, escalation=escalation, actor=lead,
                                    at=MONDAY_4PM + timedelta(minutes=5))  # fmt: skip
    escalation.refresh_from_db()
    assert escalation.status == Status.ACKNOWLEDGED and escalation.acknowledge_by is None
    assert escalation.acknowledged_by == lead and escalation.owner == lead
    assert escalation_scan_cross_tenant(now=MONDAY_4PM + timedelta(days=5)).climbed == 0
    # The client hears about it.
    assert Notification.objects.filter(recipient=client_user,
                                       kind="escalation_acknowledged").exists()  # fmt: skip
    with pytest.raises(ValidationError):
        services.escalation_acknowledge(tenant=tenant, escalation=escalation, actor=lead)


@pytest.mark.django_db
def test_unacknowledged_escalations_climb_to_the_top_and_stay(
    tenant, client_user, manager, executive, three_levels
):
    ticket = ticket_for(tenant, requester=client_user)
    escalation = services.escalation_open(
        tenant=tenant, ticket=ticket, source=Source.CLIENT_REQUEST, reason="x",
        requested_by=client_user, at=MONDAY_4PM,
    )  # fmt: skip
    # Not due yet: nothing happens.
    assert escalation_scan_cross_tenant(now=MONDAY_4PM + timedelta(hours=1)).climbed == 0
    due = escalation.acknowledge_by
    assert escalation_scan_cross_tenant(now=due).climbed == 1
    escalation.refresh_from_db()
    assert escalation.level_number == 2 and escalation.owner is None
    assert escalation.acknowledge_by == due + timedelta(hours=2)  # 24/7 level
    assert Notification.objects.filter(recipient=manager, kind="escalation_climbed").exists()

    escalation_scan_cross_tenant(now=escalation.acknowledge_by)
    escalation.refresh_from_db()
    assert escalation.level_number == 3 and escalation.owner == executive

    top_due = escalation.acknowledge_by
    result = escalation_scan_cross_tenant(now=top_due)
    escalation.refresh_from_db()
    assert (result.climbed, result.reminded) == (0, 1)
    assert escalation.level_number == 3
    assert escalation.acknowledge_by == top_due + timedelta(hours=1)
    assert Notification.objects.filter(recipient=executive, kind="escalation_reminder").count() == 1
    assert kinds(ticket).count("escalation_climbed") == 2
    assert "escalation_reminded" in kinds(ticket)


@pytest.mark.django_db
def test_the_same_scan_twice_climbs_once(tenant, client_user, three_levels):
    ticket = ticket_for(tenant, requester=client_user)
    escalation = services.escalation_open(
        tenant=tenant, ticket=ticket, source=Source.CLIENT_REQUEST, reason="x",
        requested_by=client_user, at=MONDAY_4PM,
    )  # fmt: skip
    now = escalation.acknowledge_by
    assert escalation_scan_cross_tenant(now=now).climbed == 1
    assert escalation_scan_cross_tenant(now=now).climbed == 0
    escalation.refresh_from_db()
    assert escalation.level_number == 2


@pytest.mark.django_db
def test_reassign_deescalate_and_resolve(tenant, client_user, manager, lead, agent, three_levels):
    ticket = ticket_for(tenant, requester=client_user)
    escalation = services.escalation_open(
        tenant=tenant, ticket=ticket, source=Source.AGENT, reason="Customer is furious",
        requested_by=agent, at=MONDAY_4PM,
    )  # fmt: skip
    services.escalation_climb(tenant=tenant, escalation=escalation, at=escalation.acknowledge_by)
    escalation.refresh_from_db()
    assert escalation.level_number == 2
    with pytest.raises(ValidationError):
        services.escalation_reassign(tenant=tenant, escalation=escalation, owner=client_user,
                                     actor=manager)  # fmt: skip
    services.escalation_reassign(tenant=tenant, escalation=escalation, owner=agent, actor=manager)
    assert Notification.objects.filter(recipient=agent, kind="escalation_reassigned").exists()
    services.escalation_deescalate(tenant=tenant, escalation=escalation, actor=manager,
                                   reason="Lead can handle it")  # fmt: skip
    escalation.refresh_from_db()
    assert escalation.level_number == 1 and escalation.status == Status.OPEN
    with pytest.raises(ValidationError):
        services.escalation_deescalate(tenant=tenant, escalation=escalation, actor=manager)
    with pytest.raises(ValidationError) as error:
        services.escalation_resolve(tenant=tenant, escalation=escalation, actor=lead, outcome="")
    assert "outcome" in error.value.message_dict
    services.escalation_resolve(tenant=tenant, escalation=escalation, actor=lead,
                                outcome="Called the customer")  # fmt: skip
    escalation.refresh_from_db()
    assert escalation.status == Status.RESOLVED and escalation.resolved_by == lead
    assert kinds(ticket)[-4:] == ["escalation_climbed", "escalation_reassigned",
                                  "escalation_deescalated", "escalation_resolved"]  # fmt: skip
    # Resolved, a new agent escalation may be opened again.
    services.escalation_open(tenant=tenant, ticket=ticket, source=Source.AGENT, reason="again",
                             requested_by=agent)  # fmt: skip


@pytest.mark.django_db
def test_breach_escalates_once_per_clock_cycle(tenant, client_user, lead, three_levels):
    ticket = ticket_for(tenant, requester=client_user)
    args = dict(tenant=tenant, ticket_id=ticket.pk, clock_id=None, metric="first_response",
                breached_at=MONDAY_4PM)  # fmt: skip
    first = services.escalation_on_breach(cycle=1, **args)
    assert first is not None and first.source == Source.SLA_BREACH
    assert services.escalation_on_breach(cycle=1, **args) is None
    # Resolved or not, the same clock cycle never escalates twice.
    services.escalation_resolve(tenant=tenant, escalation=first, actor=lead, outcome="done")
    assert services.escalation_on_breach(cycle=1, **args) is None
    assert services.escalation_on_breach(cycle=2, **args) is not None
    assert kinds(ticket).count("escalated") == 2


@pytest.mark.django_db
def test_without_a_ladder_for_the_source_nothing_escalates(tenant, client_user):
    ticket = ticket_for(tenant, requester=client_user)
    ladder(tenant, [role_level(Role.MANAGER)], sources=[Source.CLIENT_REQUEST])
    assert services.escalation_on_breach(
        tenant=tenant, ticket_id=ticket.pk, clock_id=None, metric="resolution", cycle=1,
        breached_at=MONDAY_4PM,
    ) is None  # fmt: skip
    assert services.escalation_on_warning(
        tenant=tenant, ticket_id=ticket.pk, clock_id=None, metric="resolution", cycle=1,
        percent=75, warned_at=MONDAY_4PM,
    ) is None  # fmt: skip


@pytest.mark.django_db
def test_warnings_escalate_once_per_threshold(tenant, client_user, manager):
    ticket = ticket_for(tenant, requester=client_user)
    ladder(tenant, [role_level(Role.MANAGER)], sources=[Source.SLA_WARNING])
    args = dict(tenant=tenant, ticket_id=ticket.pk, clock_id=None, metric="resolution",
                cycle=1, warned_at=MONDAY_4PM)  # fmt: skip
    assert services.escalation_on_warning(percent=50, **args) is not None
    assert services.escalation_on_warning(percent=50, **args) is None
    assert services.escalation_on_warning(percent=75, **args).reason.startswith("75%")


@pytest.mark.django_db
def test_a_priority_ladder_wins_over_the_general_one(tenant, client_user, manager, lead):
    ticket = ticket_for(tenant, requester=client_user, priority="critical")
    ladder(tenant, [role_level(Role.TEAM_LEAD)], name="General")
    ladder(tenant, [role_level(Role.MANAGER)], name="Critical", priority=ticket.priority)
    escalation = services.escalation_open(tenant=tenant, ticket=ticket, source=Source.AGENT,
                                          reason="x", requested_by=lead)  # fmt: skip
    assert escalation.ladder.name == "Critical"


@pytest.mark.django_db
def test_a_tier_level_moves_the_ticket(tenant, client_user, agent, tier2):
    ticket = ticket_for(tenant, requester=client_user)
    ladder(tenant, [{"target_kind": TargetKind.TIER, "target_tier": 1},
                    {"target_kind": TargetKind.TIER, "target_tier": 2}])  # fmt: skip
    escalation = services.escalation_open(
        tenant=tenant, ticket=ticket, source=Source.AGENT, reason="x", requested_by=agent,
        at=MONDAY_4PM,
    )  # fmt: skip
    escalation_scan_cross_tenant(now=escalation.acknowledge_by)
    ticket.refresh_from_db()
    assert ticket.tier == 2
    assert Notification.objects.filter(recipient=tier2, kind="escalation_climbed").exists()
    assert "tier" in kinds(ticket)


@pytest.mark.django_db
def test_account_manager_level_names_the_customers_manager(tenant, client_user, manager, lead):
    client_user.customer.account_manager = manager
    client_user.customer.save()
    ticket = ticket_for(tenant, requester=client_user)
    ladder(tenant, [{"target_kind": TargetKind.ACCOUNT_MANAGER}])
    escalation = services.escalation_open(tenant=tenant, ticket=ticket, source=Source.AGENT,
                                          reason="x", requested_by=lead)  # fmt: skip
    assert escalation.owner == manager
