"""The SLA breach scan against real PostgreSQL: warnings once per threshold, breaches at the
deadline, escalation hand-off, the ticket row, the pause cap, dead recompute jobs, and races
(threads, one connection each)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connections

from escalation.breach_scan import sla_scan_cross_tenant
from escalation.models import Escalation, Source
from sla.models import ClockSegment, RecomputeJob, SlaClock, SupportPolicy
from tenants.roles import Role
from tests.conftest import login_as
from tests.factories import CustomerFactory, client_membership
from tests.tickets.factories import sla_config
from tickets import services as ticket_services
from tickets.models import Status as TicketStatus
from tickets.models import Ticket, TicketEvent

from .factories import ladder, role_level, ticket_for
from .test_concurrency import race

T0 = datetime(2026, 3, 2, 15, tzinfo=UTC)  # critical: first response 1 h, resolution 4 h


@pytest.fixture
def policy(tenant, customer):
    sla_config(tenant, customer.plan)
    SupportPolicy.objects.filter(tenant=tenant).update(
        warning_thresholds=[50, 75], max_pause=timedelta(hours=1)
    )
    return SupportPolicy.objects.get(tenant=tenant, plan=customer.plan)


@pytest.fixture
def breach_ladder(tenant, lead, manager):
    return ladder(tenant, [role_level(Role.TEAM_LEAD), role_level(Role.MANAGER)],
                  sources=[Source.SLA_BREACH])  # fmt: skip


def critical(tenant, client_user, at=T0):
    with time_machine.travel(at, tick=False):
        return ticket_for(tenant, requester=client_user, priority="critical")


def clock(ticket, metric="first_response"):
    return SlaClock.objects.get(ticket=ticket, metric=metric)


@pytest.mark.django_db
def test_warnings_once_per_threshold_then_the_breach_at_the_deadline(
    tenant, client_user, policy, breach_ladder
):
    ticket = critical(tenant, client_user)
    first = sla_scan_cross_tenant(now=T0 + timedelta(minutes=31))
    assert (first.warned, first.breached) == (1, 0)
    assert clock(ticket).warned_percent == 50
    again = sla_scan_cross_tenant(now=T0 + timedelta(minutes=31))
    assert (again.warned, again.breached) == (0, 0)

    late = sla_scan_cross_tenant(now=T0 + timedelta(hours=2, minutes=1))
    # first response: 75 % and its breach; resolution: its 50 %.
    assert (late.warned, late.breached, late.escalated) == (2, 1, 1)
    frt = clock(ticket)
    assert frt.status == "breached" and frt.breached_at == T0 + timedelta(hours=1)
    assert frt.next_alert_at is None
    assert clock(ticket, "resolution").warned_percent == 50
    warnings = TicketEvent.objects.filter(ticket=ticket, kind="sla_warning")
    assert sorted((e.data["metric"], e.data["percent"]) for e in warnings) == [
        ("first_response", 50), ("first_response", 75), ("resolution", 50),
    ]  # fmt: skip
    assert {e.data["clock"] for e in warnings} == {frt.pk, clock(ticket, "resolution").pk}
    breach = TicketEvent.objects.get(ticket=ticket, kind="sla_breached")
    assert breach.created_at == T0 + timedelta(hours=1)
    assert breach.data == {"clock": frt.pk, "metric": "first_response", "cycle": 1,
                           "due_at": (T0 + timedelta(hours=1)).isoformat()}  # fmt: skip
    assert (breach.field, breach.to_value) == ("sla", "First response: breached")
    escalation = Escalation.objects.get(ticket=ticket)
    assert (escalation.source, escalation.level_number, escalation.clock_id) == (
        Source.SLA_BREACH, 1, frt.pk)
    assert TicketEvent.objects.filter(ticket=ticket, kind="escalated").count() == 1
    row = Ticket.objects.get(pk=ticket.pk)
    assert row.is_breached and row.first_response_due_at is None
    assert row.resolution_due_at == T0 + timedelta(hours=4)
    assert ClockSegment.objects.filter(clock=frt, note__startswith="Breached").count() == 1
    # Nothing more is due until resolution's 75 %.
    assert sla_scan_cross_tenant(now=T0 + timedelta(hours=2, minutes=1)).breached == 0


@pytest.mark.django_db
def test_a_late_scan_records_warnings_where_they_were_crossed_and_escalates_only_the_breach(
    tenant, client_user, policy, lead, manager
):
    ladder(tenant, [role_level(Role.TEAM_LEAD)],
           sources=[Source.SLA_BREACH, Source.SLA_WARNING])  # fmt: skip
    ticket = critical(tenant, client_user)
    # No scan ran until well past the first response deadline (the beat was down).
    late = sla_scan_cross_tenant(now=T0 + timedelta(hours=2, minutes=1))
    assert (late.warned, late.breached) == (3, 1)
    history = list(
        TicketEvent.objects.filter(ticket=ticket, kind__in=["sla_warning", "sla_breached"],
                                   data__metric="first_response")
        .order_by("created_at", "id")
    )  # fmt: skip
    # In the order it happened: 50 %, 75 %, then the breach at the deadline; not the
    # warnings stamped at the scan's time after the breach.
    assert [(e.kind, e.data.get("percent")) for e in history] == [
        ("sla_warning", 50), ("sla_warning", 75), ("sla_breached", None),
    ]  # fmt: skip
    deadline = T0 + timedelta(hours=1)
    assert history[0].created_at < history[1].created_at < deadline == history[2].created_at
    # The breach supersedes its own warnings: escalated once, as a breach. The resolution
    # clock, still running, is escalated at its 50 %.
    assert sorted(Escalation.objects.filter(ticket=ticket).values_list(
        "source", "metric", "threshold")) == [
        (Source.SLA_BREACH, "first_response", 0), (Source.SLA_WARNING, "resolution", 50),
    ]  # fmt: skip


@pytest.mark.django_db
def test_an_answer_after_the_breach_still_records_when_it_came(
    tenant, client_user, agent, policy
):
    ticket = critical(tenant, client_user)
    sla_scan_cross_tenant(now=T0 + timedelta(hours=2))
    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        ticket_services.ticket_reply(tenant=tenant, ticket=ticket, author=agent, body="On it")
    frt = clock(ticket)
    assert frt.status == "breached" and frt.met_at == T0 + timedelta(hours=3)


@pytest.mark.django_db
def test_the_api_shows_the_breach_after_a_scan(client, tenant, client_user, policy):
    ticket = critical(tenant, client_user)
    login_as(client, client_user)
    with time_machine.travel(T0 + timedelta(minutes=10), tick=False):
        body = client.get(f"/api/tickets/{ticket.reference}/").json()
    assert body["is_breached"] is False
    sla_scan_cross_tenant(now=T0 + timedelta(hours=1, minutes=1))
    with time_machine.travel(T0 + timedelta(hours=1, minutes=2), tick=False):
        response = client.get(f"/api/tickets/{ticket.reference}/")
    assert response.status_code == 200
    body = response.json()
    assert body["is_breached"] is True
    assert body["sla"]["first_response"]["status"] == "breached"
    assert body["sla"]["first_response"]["breached_at"].startswith("2026-03-02T16:00")


@pytest.mark.django_db
def test_a_pause_past_the_cap_runs_again_from_the_cap(tenant, client_user, agent, policy):
    ticket = critical(tenant, client_user)
    paused_at = T0 + timedelta(minutes=10)
    with time_machine.travel(paused_at, tick=False):
        ticket_services.ticket_set_status(tenant=tenant, ticket=ticket,
                                          status=TicketStatus.PENDING_CUSTOMER, actor=agent)
    paused = clock(ticket, "resolution")
    assert paused.status == "paused"
    assert paused.next_alert_at == paused_at + timedelta(hours=1)  # the cap's instant
    # Before the cap: nothing due.
    assert sla_scan_cross_tenant(now=paused_at + timedelta(minutes=59)).capped == 0
    result = sla_scan_cross_tenant(now=paused_at + timedelta(hours=3))
    assert result.capped == 2  # first response and resolution
    resumed = clock(ticket, "resolution")
    assert resumed.status == "running" and resumed.paused_at is None
    # Ran 10 min, paused 1 h (the cap), runs since: 3h50 left from the cap.
    assert resumed.due_at == paused_at + timedelta(hours=1) + timedelta(hours=3, minutes=50)
    assert ClockSegment.objects.filter(clock=resumed, note__contains="longer than").exists()
    # First response (1 h): 10 min used, the cap at +1h10, 50 min left → due +2h00; the scan
    # at +3h10 found it breached in the same pass.
    frt = clock(ticket)
    assert frt.status == "breached" and frt.breached_at == T0 + timedelta(hours=2)


@pytest.mark.django_db
def test_a_recompute_job_whose_worker_died_is_failed(tenant):
    stale = T0 - timedelta(hours=1)
    dead = RecomputeJob.objects.create(tenant=tenant, reason="calendar", status="running",
                                       heartbeat_at=stale, attempts=3)  # fmt: skip
    alive = RecomputeJob.objects.create(tenant=tenant, reason="calendar", status="running",
                                        heartbeat_at=T0, attempts=3)  # fmt: skip
    retry = RecomputeJob.objects.create(tenant=tenant, reason="calendar", status="running",
                                        heartbeat_at=stale, attempts=1)  # fmt: skip
    assert sla_scan_cross_tenant(now=T0).failed_jobs == 1
    statuses = {j.pk: j.status for j in RecomputeJob.objects.all()}
    assert statuses == {dead.pk: "failed", alive.pk: "running", retry.pk: "running"}
    assert "heartbeat" in RecomputeJob.objects.get(pk=dead.pk).error


@pytest.mark.django_db
def test_the_command_prints_what_it_did(tenant, client_user, policy, capsys):
    critical(tenant, client_user, at=T0 - timedelta(days=1))
    with time_machine.travel(T0, tick=False):
        call_command("sla_scan")
    out = capsys.readouterr().out
    assert "SLA scan: warned 4, breached 2" in out


# --------------------------------------------------------------------------- races


def _tickets(tenant, count):
    customer = CustomerFactory(tenant=tenant)
    people = [client_membership(tenant, customer) for _ in range(count)]
    sla_config(tenant, customer.plan)
    SupportPolicy.objects.filter(tenant=tenant).update(warning_thresholds=[50, 75])
    with time_machine.travel(T0, tick=False):
        return [ticket_for(tenant, requester=p, priority="critical") for p in people]


def _assert_exactly_once(tickets):
    ids = [t.pk for t in tickets]
    warnings = list(TicketEvent.objects.filter(ticket_id__in=ids, kind="sla_warning")
                    .values_list("data__clock", "data__percent"))  # fmt: skip
    assert len(warnings) == len(set(warnings)) == 4 * len(tickets)  # 2 clocks x 2 thresholds
    breaches = list(TicketEvent.objects.filter(ticket_id__in=ids, kind="sla_breached")
                    .values_list("data__clock", flat=True))  # fmt: skip
    assert len(breaches) == len(set(breaches)) == 2 * len(tickets)
    escalations = list(Escalation.objects.filter(ticket_id__in=ids).values_list("clock_id"))
    assert len(escalations) == len(set(escalations)) == 2 * len(tickets)
    assert TicketEvent.objects.filter(ticket_id__in=ids, kind="escalated").count() == len(
        escalations
    )
    assert Ticket.objects.filter(pk__in=ids, is_breached=True).count() == len(tickets)


@pytest.fixture
def both_sources_ladder(tenant, lead, manager):
    return ladder(tenant, [role_level(Role.TEAM_LEAD), role_level(Role.MANAGER)],
                  sources=[Source.SLA_BREACH])  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_two_scans_at_once_record_each_warning_breach_and_escalation_once(
    tenant, both_sources_ladder
):
    tickets = _tickets(tenant, 12)
    now = T0 + timedelta(hours=5)

    def scan():
        return sla_scan_cross_tenant(now=now, batch_size=5)

    results = race(scan, scan)
    assert not any(isinstance(r, Exception) for r in results), results
    assert sum(r.breached for r in results) == 24
    assert sum(r.warned for r in results) == 48
    _assert_exactly_once(tickets)


@pytest.mark.django_db(transaction=True)
def test_the_same_scan_twice_changes_nothing_the_second_time(tenant, both_sources_ladder):
    tickets = _tickets(tenant, 5)
    now = T0 + timedelta(hours=5)
    first = sla_scan_cross_tenant(now=now)
    second = sla_scan_cross_tenant(now=now)
    assert (first.breached, first.escalated) == (10, 10)
    assert (second.warned, second.breached, second.escalated) == (0, 0, 0)
    _assert_exactly_once(tickets)


@pytest.mark.django_db(transaction=True)
def test_two_beat_processes_looping_the_scan(tenant, both_sources_ladder):
    """Two 'beat processes' (threads with their own connections) each run the scan on a
    schedule of instants that walks through every threshold and deadline."""
    tickets = _tickets(tenant, 8)
    instants = [T0 + timedelta(minutes=m) for m in range(0, 301, 15)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def beat():
        try:
            barrier.wait(timeout=10)
            for instant in instants:
                sla_scan_cross_tenant(now=instant, batch_size=3)
        except BaseException as error:  # noqa: BLE001 - reported to the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=beat) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    _assert_exactly_once(tickets)


@pytest.mark.django_db(transaction=True)
def test_a_ticket_held_by_an_event_is_left_for_the_next_pass(tenant, both_sources_ladder):
    held, free = _tickets(tenant, 2)
    locked, release = threading.Event(), threading.Event()

    def hold():
        from django.db import transaction

        with transaction.atomic():
            Ticket.objects.select_for_update().filter(pk=held.pk).get()
            locked.set()
            release.wait(timeout=20)
        connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    assert locked.wait(timeout=10)
    try:
        result = sla_scan_cross_tenant(now=T0 + timedelta(hours=5))  # does not wait
    finally:
        release.set()
        holder.join(timeout=20)
    assert (result.breached, result.busy) == (2, 2)
    assert sla_scan_cross_tenant(now=T0 + timedelta(hours=5)).breached == 2
    _assert_exactly_once([held, free])


@pytest.mark.django_db
def test_beat_runs_the_scan_every_sla_scan_seconds(settings, tenant, client_user, policy):
    entry = settings.CELERY_BEAT_SCHEDULE["sla-scan"]
    assert entry == {"task": "escalation.tasks.sla_scan",
                     "schedule": float(settings.SLA_SCAN_SECONDS)}  # fmt: skip
    from escalation.tasks import sla_scan

    critical(tenant, client_user, at=T0 - timedelta(days=1))
    with time_machine.travel(T0, tick=False):
        assert sla_scan.apply().get().startswith("warned 4, breached 2")


@pytest.mark.django_db
def test_a_burst_of_due_clocks_asks_other_workers_to_share_the_pass(
    tenant, client_user, policy, breach_ladder, settings
):
    from escalation.breach_scan import scan_helpers_wanted
    from escalation.tasks import sla_scan

    tickets = [critical(tenant, client_user) for _ in range(3)]  # 2 clocks each, 6 due later
    later = T0 + timedelta(hours=5)
    assert scan_helpers_wanted(now=T0, parallel=2, batch_size=2) == 0  # nothing due yet
    assert scan_helpers_wanted(now=later, parallel=1, batch_size=2) == 0  # not allowed to
    assert scan_helpers_wanted(now=later, parallel=2, batch_size=2) == 1
    assert scan_helpers_wanted(now=later, parallel=4, batch_size=2) == 2  # 6 due: 3 batches
    assert scan_helpers_wanted(now=later, parallel=4, batch_size=10) == 0  # one batch is enough
    # The task (eager here: the helper runs first) records every breach once between them.
    settings.SLA_SCAN_PARALLEL = 2
    with time_machine.travel(later, tick=False):
        sla_scan.delay()
    assert SlaClock.objects.filter(ticket__in=tickets, status="breached").count() == 6
    assert TicketEvent.objects.filter(ticket__in=tickets, kind="sla_breached").count() == 6
    assert Escalation.objects.filter(ticket__in=tickets).count() == 6
