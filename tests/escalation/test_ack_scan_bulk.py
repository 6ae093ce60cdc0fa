"""The acknowledgement scan climbs a batch together (a handful of statements whatever its
size), and falls back to one by one when a row needs it, with the same outcome."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escalation import services
from escalation.models import Escalation, Source
from escalation.scan import escalation_scan_cross_tenant
from notifications.outbound.models import Notification
from tenants.roles import Role
from tickets import services as ticket_services
from tickets.models import TicketEvent

from .factories import ladder, role_level, ticket_for

T0 = datetime(2026, 3, 2, 21, tzinfo=UTC)


@pytest.fixture
def two_levels(tenant, lead, manager):
    return ladder(tenant, [role_level(Role.TEAM_LEAD, hours=1), role_level(Role.MANAGER, hours=2)],
                  sources=[Source.CLIENT_REQUEST])  # fmt: skip


def requests(tenant, client_user, count):
    escalations = []
    for _ in range(count):
        ticket = ticket_for(tenant, requester=client_user)
        escalations.append(services.escalation_open(
            tenant=tenant, ticket=ticket, source=Source.CLIENT_REQUEST, reason="Down again",
            requested_by=client_user, at=T0,
        ))  # fmt: skip
    return escalations


def statements(now):
    with CaptureQueriesContext(connection) as queries:
        result = escalation_scan_cross_tenant(now=now)
    return result, len(queries)


@pytest.mark.django_db
def test_a_batch_climbs_in_the_same_statements_whatever_its_size(
    tenant, client_user, manager, two_levels
):
    few = requests(tenant, client_user, 2)
    result, few_statements = statements(T0 + timedelta(hours=1))
    assert result.climbed == 2
    many = requests(tenant, client_user, 12)
    Escalation.objects.filter(pk__in=[e.pk for e in many]).update(acknowledge_by=T0)
    result, many_statements = statements(T0 + timedelta(hours=1))
    assert result.climbed == 12
    assert many_statements == few_statements  # set-based: not one round of statements per row
    for escalation in few + many:
        escalation.refresh_from_db()
        assert escalation.level_number == 2 and escalation.owner is None
        assert escalation.acknowledge_by == T0 + timedelta(hours=3)
    assert Notification.objects.filter(recipient=manager, kind="escalation_climbed").count() == 14
    climbed = TicketEvent.objects.filter(kind="escalation_climbed")
    assert climbed.count() == 14
    assert {(e.from_value, e.to_value) for e in climbed} == {("level 1", "level 2")}
    # At the top they stay and remind the manager, again together.
    result = escalation_scan_cross_tenant(now=T0 + timedelta(hours=3))
    assert (result.climbed, result.reminded) == (0, 14)
    assert Notification.objects.filter(recipient=manager, kind="escalation_reminder").count() == 14


@pytest.mark.django_db
def test_a_closed_ticket_in_the_batch_sends_it_one_by_one_with_the_same_outcome(
    tenant, client_user, manager, agent, two_levels
):
    open_one, closed_one = requests(tenant, client_user, 2)
    ticket = closed_one.ticket
    ticket_services.ticket_resolve(tenant=tenant, ticket=ticket, actor=agent, at=T0)
    result = escalation_scan_cross_tenant(now=T0 + timedelta(hours=1))
    assert (result.climbed, result.stopped) == (1, 1)
    open_one.refresh_from_db()
    closed_one.refresh_from_db()
    assert open_one.level_number == 2
    assert closed_one.level_number == 1 and closed_one.acknowledge_by is None
