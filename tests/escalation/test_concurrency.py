"""Races against real PostgreSQL connections (one per thread): scans that overlap climb each
escalation once; concurrent breach hand-offs and client requests open one escalation."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from django.db import connection, connections, transaction

from escalation import services
from escalation.models import Escalation, Source
from escalation.scan import escalation_scan_cross_tenant
from tenants.roles import Role
from tickets.models import TicketEvent

from .factories import ladder, role_level, ticket_for

AT = datetime(2026, 3, 2, 15, tzinfo=UTC)


def race(*calls: Callable[[], object]) -> list[object]:
    """Run the calls at the same instant, each on its own thread and database connection."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as error:  # noqa: BLE001 - reported to the test
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.fixture
def two_level_ladder(tenant, manager):
    return ladder(tenant, [role_level(Role.TEAM_LEAD), role_level(Role.MANAGER)])


def _open_many(tenant, agent, count: int) -> list[Escalation]:
    return [
        services.escalation_open(tenant=tenant, ticket=ticket_for(tenant), source=Source.AGENT,
                                 reason="help", requested_by=agent, at=AT)  # fmt: skip
        for _ in range(count)
    ]


@pytest.mark.django_db(transaction=True)
def test_two_scans_at_once_climb_each_escalation_once(tenant, agent, two_level_ladder):
    escalations = _open_many(tenant, agent, 12)
    due = max(e.acknowledge_by for e in escalations)

    def scan():
        return escalation_scan_cross_tenant(now=due, batch_size=3)

    first, second = race(scan, scan)
    assert not isinstance(first, Exception), first
    assert not isinstance(second, Exception), second
    assert first.climbed + second.climbed == 12
    assert set(Escalation.objects.values_list("level_number", flat=True)) == {2}
    assert TicketEvent.objects.filter(kind="escalation_climbed").count() == 12


@pytest.mark.django_db(transaction=True)
def test_a_scan_skips_a_row_another_transaction_holds(tenant, agent, two_level_ladder):
    held, free = _open_many(tenant, agent, 2)
    locked = threading.Event()
    release = threading.Event()

    def hold():
        with transaction.atomic():
            Escalation.objects.select_for_update().filter(pk=held.pk).get()
            locked.set()
            release.wait(timeout=20)
        connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    assert locked.wait(timeout=10)
    try:
        # Does not wait for the held row (SKIP LOCKED): climbs the free one only.
        result = escalation_scan_cross_tenant(now=held.acknowledge_by)
    finally:
        release.set()
        holder.join(timeout=20)
    assert result.climbed == 1
    held.refresh_from_db()
    free.refresh_from_db()
    assert (held.level_number, free.level_number) == (1, 2)
    # The next scan picks the one that was held.
    assert escalation_scan_cross_tenant(now=held.acknowledge_by).climbed == 1


@pytest.mark.django_db(transaction=True)
def test_two_breach_hand_offs_at_once_open_one_escalation(tenant, two_level_ladder):
    ticket = ticket_for(tenant)

    def breach():
        return services.escalation_on_breach(
            tenant=tenant, ticket_id=ticket.pk, clock_id=None, metric="first_response",
            cycle=1, breached_at=AT,
        )  # fmt: skip

    results = race(breach, breach, breach)
    assert not any(isinstance(r, Exception) for r in results), results
    assert sum(isinstance(r, Escalation) for r in results) == 1
    assert Escalation.objects.filter(ticket=ticket).count() == 1
    assert TicketEvent.objects.filter(ticket=ticket, kind="escalated").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_client_requests_at_once_open_one(tenant, client_user, two_level_ladder):
    ticket = ticket_for(tenant, requester=client_user)

    def request():
        return services.escalation_open(tenant=tenant, ticket=ticket,
                                        source=Source.CLIENT_REQUEST, reason="slow",
                                        requested_by=client_user)  # fmt: skip

    results = race(request, request)
    assert sum(isinstance(r, Escalation) for r in results) == 1
    assert sum(isinstance(r, services.EscalationConflict) for r in results) == 1
    assert Escalation.objects.filter(ticket=ticket).count() == 1
    assert connection.vendor == "postgresql"


@pytest.mark.django_db
def test_the_claim_reads_the_partial_index(tenant, agent, two_level_ladder):
    from escalation.scan import due_cross_tenant

    _open_many(tenant, agent, 3)
    with transaction.atomic(), connection.cursor() as cursor:
        # Few rows make a sequential scan cheapest; forbid it to see the index is usable.
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = due_cross_tenant(now=AT).explain()
    assert "escalation_ack_due_idx" in plan
