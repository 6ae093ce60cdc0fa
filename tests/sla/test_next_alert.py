"""next_alert_at through the services and the recompute, the claim of due clocks by the breach
scan (two real connections claim disjoint rows), and the data migration that fills it."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.apps import apps
from django.db import connection, transaction

from sla import services
from sla.models import ClockStatus, Metric, RecomputeJob, SegmentKind, SlaClock
from sla.recompute import recompute_job_run
from sla.selectors import clocks_claim_due_cross_tenant
from tests.sla.factories import make_ticket, sla_setup, start_clocks

H = timedelta(hours=1)
MON_9 = datetime(2026, 3, 2, 14, tzinfo=UTC)  # 09:00 New York


def ny(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour + 5, minute, tzinfo=UTC)


def _ticket(tenant, setup=None):
    plan, policy, priority, calendar = setup or sla_setup(
        tenant, targets={Metric.FIRST_RESPONSE: 4 * H, Metric.RESOLUTION: 16 * H}
    )  # policy warning thresholds: 50, 75
    ticket = make_ticket(tenant=tenant, priority=priority, plan=plan, created_at=MON_9)
    start_clocks(tenant=tenant, ticket=ticket, plan=plan, priority=priority, at=MON_9)
    return ticket, (plan, policy, priority, calendar)


def _alerts(ticket) -> dict[str, datetime | None]:
    return {c.metric: c.next_alert_at for c in SlaClock.objects.filter(ticket=ticket)}


@time_machine.travel(MON_9, tick=False)
def test_every_transition_keeps_next_alert_at(tenant):
    ticket, _ = _ticket(tenant)
    assert _alerts(ticket) == {Metric.FIRST_RESPONSE: ny(2, 11), Metric.RESOLUTION: ny(2, 17)}
    services.clocks_pause(tenant=tenant, ticket=ticket, at=ny(2, 10),
                          reason=SegmentKind.PAUSED_CUSTOMER)  # fmt: skip
    assert set(_alerts(ticket).values()) == {None}
    services.clocks_resume(tenant=tenant, ticket=ticket, at=ny(2, 12))
    assert _alerts(ticket)[Metric.FIRST_RESPONSE] == ny(2, 13)
    services.clocks_on_agent_public_reply(tenant=tenant, ticket=ticket, at=ny(2, 12, 30))
    assert _alerts(ticket)[Metric.FIRST_RESPONSE] is None
    services.clocks_on_resolve(tenant=tenant, ticket=ticket, at=ny(2, 13))
    assert set(_alerts(ticket).values()) == {None}


def test_the_recompute_moves_next_alert_at_with_the_deadline(tenant):
    ticket, (_, _, _, calendar) = _ticket(tenant)
    calendar.weekly = {str(d): ["10:00-18:00"] for d in range(5)}
    calendar.revision += 1
    calendar.save()
    job = RecomputeJob.objects.create(tenant=tenant, reason="hours", calendar=calendar)
    recompute_job_run(tenant=tenant, job_id=job.pk)
    first = SlaClock.objects.get(ticket=ticket, metric=Metric.FIRST_RESPONSE)
    assert first.due_at == ny(2, 14) and first.next_alert_at == ny(2, 12)
    ticket.refresh_from_db()
    assert ticket.first_response_due_at == ny(2, 14)  # written by tickets, through the port


def test_claim_returns_what_is_due_and_skips_what_is_not(tenant):
    ticket, _ = _ticket(tenant)
    with transaction.atomic():
        due = clocks_claim_due_cross_tenant(now=ny(2, 13, 30), limit=10)
    [first] = [d for d in due if d.clock.ticket_id == ticket.pk]
    assert first.warned == (50, 75) and first.deadline_passed
    assert first.outcome.state.breached_at == ny(2, 13)


@pytest.mark.django_db(transaction=True)
def test_two_scans_claim_disjoint_clocks(tenant):
    setup = None
    for _ in range(5):  # 5 tickets x 2 clocks, all due by Tuesday noon
        setup = _ticket(tenant, setup)[1]
    now = ny(4, 12)
    claimed: dict[str, set[int]] = {}
    first_holds = threading.Event()
    second_done = threading.Event()
    errors: list[BaseException] = []

    def scan(name: str, limit: int, before: threading.Event | None, after: threading.Event):
        try:
            if before is not None:
                before.wait(10)
            with transaction.atomic():
                claimed[name] = {d.clock.pk for d in clocks_claim_due_cross_tenant(
                    now=now, limit=limit)}  # fmt: skip
                after.set()
                if name == "first":
                    second_done.wait(10)  # hold the locks while the other scan claims
        except BaseException as exc:  # noqa: BLE001 - reported in the main thread
            errors.append(exc)
            after.set()
        finally:
            connection.close()

    one = threading.Thread(target=scan, args=("first", 4, None, first_holds))
    two = threading.Thread(target=scan, args=("second", 100, first_holds, second_done))
    one.start()
    two.start()
    one.join(20)
    two.join(20)
    assert not errors
    assert len(claimed["first"]) == 4 and len(claimed["second"]) == 6
    assert not claimed["first"] & claimed["second"]
    with pytest.raises(RuntimeError):  # outside a transaction the claim would hold nothing
        clocks_claim_due_cross_tenant(now=now, limit=10)
    assert claimed["first"] | claimed["second"] == set(
        SlaClock.objects.filter(tenant=tenant).values_list("pk", flat=True)
    )


def test_the_data_migration_fills_next_alert_at(tenant):
    import importlib

    fill = importlib.import_module("sla.migrations.0006_fill_next_alert_at").fill
    ticket, _ = _ticket(tenant)
    expected = _alerts(ticket)
    SlaClock.objects.filter(ticket=ticket).update(next_alert_at=None)
    SlaClock.objects.filter(ticket=ticket, metric=Metric.RESOLUTION).update(
        status=ClockStatus.PAUSED, due_at=None
    )
    fill(apps, None)
    assert _alerts(ticket) == {**expected, Metric.RESOLUTION: None}
