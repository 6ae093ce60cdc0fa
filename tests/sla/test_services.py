"""The clock engine through its contract: start, reply, pause/resume, resolve/reopen, retarget."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection

from sla import services
from sla.models import ClockSegment, ClockStatus, Metric, SegmentKind, SlaClock
from sla.selectors import clocks_for_ticket, policy_in_force
from tests.sla.factories import (
    CalendarFactory,
    PriorityFactory,
    SupportPolicyFactory,
    TargetFactory,
    make_ticket,
    write_deadlines,
)
from tests.sla.factories import sla_setup as setup
from tests.sla.factories import start_clocks as clocks_start


def _written(service):
    """The service, plus what tickets does with its answer: write the ticket's deadlines."""

    def call(**kwargs):
        deadlines = service(**kwargs)
        write_deadlines(kwargs["tenant"], kwargs["ticket"], deadlines)
        return deadlines

    return call


clocks_on_agent_public_reply = _written(services.clocks_on_agent_public_reply)
clocks_on_customer_message = _written(services.clocks_on_customer_message)
clocks_on_priority_change = _written(services.clocks_on_priority_change)
clocks_on_reopen = _written(services.clocks_on_reopen)
clocks_on_resolve = _written(services.clocks_on_resolve)
clocks_pause = _written(services.clocks_pause)
clocks_resume = _written(services.clocks_resume)

H = timedelta(hours=1)
# Calendar: Mon-Fri 09:00-17:00 New York. Monday 2 March 2026 is EST (UTC-5).
MON_9 = datetime(2026, 3, 2, 14, tzinfo=UTC)


def ny(day: int, hour: int, minute: int = 0) -> datetime:
    """A March 2026 wall time in New York (EST before the 8th), as UTC."""
    offset = 5 if day < 8 else 4
    return datetime(2026, 3, day, hour + offset, minute, tzinfo=UTC)


def started(tenant, targets=None, **policy):
    targets = targets or {Metric.FIRST_RESPONSE: 4 * H, Metric.RESOLUTION: 16 * H,
                          Metric.NEXT_RESPONSE: 2 * H}  # fmt: skip
    plan, policy_row, priority, calendar = setup(tenant, targets=targets, **policy)
    ticket = make_ticket(tenant=tenant, priority=priority, plan=plan, created_at=MON_9)
    clocks_start(tenant=tenant, ticket=ticket, plan=plan, priority=priority, at=MON_9)
    return ticket, priority, policy_row


def clock(ticket, metric) -> SlaClock:
    return SlaClock.objects.get(ticket=ticket, metric=metric)


def test_it_starts_first_response_and_resolution_but_not_next_response(tenant):
    ticket, _, policy = started(tenant)
    assert {c.metric for c in SlaClock.objects.filter(ticket=ticket)} == {
        Metric.FIRST_RESPONSE, Metric.RESOLUTION,
    }  # fmt: skip
    assert clock(ticket, Metric.FIRST_RESPONSE).due_at == ny(2, 13)
    assert clock(ticket, Metric.RESOLUTION).due_at == ny(3, 17)
    segment = ClockSegment.objects.get(clock=clock(ticket, Metric.FIRST_RESPONSE))
    assert segment.due_at_before is None and segment.due_at_after == ny(2, 13)
    assert segment.note.startswith("Started: 4h on calendar")
    ticket.refresh_from_db()
    assert (ticket.first_response_due_at, ticket.resolution_due_at) == (ny(2, 13), ny(3, 17))
    assert ticket.next_due_at == ny(2, 13)


def test_it_returns_none_and_starts_nothing_without_a_policy(tenant):
    priority = PriorityFactory(tenant=tenant)
    ticket = make_ticket(tenant=tenant, priority=priority)
    plan = ticket.customer.plan
    policy = clocks_start(tenant=tenant, ticket=ticket, plan=plan, priority=priority, at=MON_9)
    assert policy is None
    assert not SlaClock.objects.filter(ticket=ticket).exists()


def test_it_meets_first_response_on_time(tenant):
    ticket, _, _ = started(tenant)
    clocks_on_agent_public_reply(tenant=tenant, ticket=ticket, at=ny(2, 13))  # exactly due
    fr = clock(ticket, Metric.FIRST_RESPONSE)
    assert (fr.status, fr.met_at, fr.breached_at) == (ClockStatus.MET, ny(2, 13), None)
    assert fr.consumed == 4 * H
    ticket.refresh_from_db()
    assert ticket.first_response_due_at is None and ticket.next_due_at == ny(3, 17)


def test_a_late_first_response_is_breached_at_the_deadline(tenant):
    ticket, _, _ = started(tenant)
    clocks_on_agent_public_reply(tenant=tenant, ticket=ticket, at=ny(2, 15))
    fr = clock(ticket, Metric.FIRST_RESPONSE)
    assert (fr.status, fr.met_at, fr.breached_at) == (ClockStatus.BREACHED, ny(2, 15), ny(2, 13))
    ticket.refresh_from_db()
    assert ticket.is_breached


def test_pause_stops_consumption_and_the_customer_reply_resumes(tenant):
    ticket, _, _ = started(tenant)
    clocks_pause(tenant=tenant, ticket=ticket, at=ny(2, 10), reason=SegmentKind.PAUSED_CUSTOMER)
    fr = clock(ticket, Metric.FIRST_RESPONSE)
    assert (fr.status, fr.due_at, fr.consumed) == (ClockStatus.PAUSED, None, H)
    ticket.refresh_from_db()
    assert ticket.first_response_due_at is None and ticket.next_due_at is None

    clocks_on_customer_message(tenant=tenant, ticket=ticket, at=ny(3, 16))
    fr = clock(ticket, Metric.FIRST_RESPONSE)
    assert fr.status == ClockStatus.RUNNING
    assert fr.due_at == ny(4, 11)  # 3h left: 1h Tuesday + 2h Wednesday
    notes = list(fr.segments.order_by("id").values_list("kind", "note"))
    assert notes[1] == (SegmentKind.PAUSED_CUSTOMER, "Paused: waiting on the customer; "
                        "1h consumed so far")  # fmt: skip
    assert notes[2][1] == "Resumed: the customer replied; 3h left"
    paused = fr.segments.get(kind=SegmentKind.PAUSED_CUSTOMER)
    assert (paused.started_at, paused.ended_at) == (ny(2, 10), ny(3, 16))
    first = fr.segments.order_by("id").first()
    assert first.business_time == H


def test_a_pause_longer_than_the_cap_counts_the_excess(tenant):
    ticket, _, _ = started(tenant, max_pause=timedelta(hours=24))
    clocks_pause(tenant=tenant, ticket=ticket, at=ny(2, 10), reason=SegmentKind.PAUSED_CUSTOMER)
    # Back Wednesday 10:00: the cap ended Tuesday 10:00, so Tue 10-17 (7h) + Wed 9-10 (1h) ran.
    clocks_on_customer_message(tenant=tenant, ticket=ticket, at=ny(4, 10))
    fr = clock(ticket, Metric.FIRST_RESPONSE)
    assert fr.consumed == 9 * H
    assert fr.due_at == ny(3, 13)  # 3h left from the end of the cap, Tuesday 10:00: past due
    assert "cap" in fr.segments.order_by("-id").first().note
    res = clock(ticket, Metric.RESOLUTION)
    assert res.due_at == ny(4, 17)  # 15h left from Tue 10:00: 7h Tuesday + 8h Wednesday


@pytest.mark.parametrize(("pause_on_hold", "status"), [(False, "running"), (True, "paused")])
def test_on_hold_pauses_only_when_the_policy_says_so(tenant, pause_on_hold, status):
    ticket, _, _ = started(tenant, pause_on_hold=pause_on_hold)
    clocks_pause(tenant=tenant, ticket=ticket, at=ny(2, 10), reason=SegmentKind.PAUSED_HOLD)
    assert clock(ticket, Metric.FIRST_RESPONSE).status == status
    clocks_resume(tenant=tenant, ticket=ticket, at=ny(2, 11))
    fr = clock(ticket, Metric.FIRST_RESPONSE)
    assert fr.status == ClockStatus.RUNNING
    assert fr.due_at == (ny(2, 14) if pause_on_hold else ny(2, 13))


def test_a_customer_reply_does_not_resume_a_ticket_on_hold(tenant):
    ticket, _, _ = started(tenant, pause_on_hold=True)
    clocks_pause(tenant=tenant, ticket=ticket, at=ny(2, 10), reason=SegmentKind.PAUSED_HOLD)
    clocks_on_customer_message(tenant=tenant, ticket=ticket, at=ny(2, 11))
    assert clock(ticket, Metric.FIRST_RESPONSE).status == ClockStatus.PAUSED


def test_next_response_cycles_with_customer_messages(tenant):
    ticket, _, _ = started(tenant)
    clocks_on_customer_message(tenant=tenant, ticket=ticket, at=ny(2, 9, 30))
    assert not SlaClock.objects.filter(ticket=ticket, metric=Metric.NEXT_RESPONSE).exists()

    clocks_on_agent_public_reply(tenant=tenant, ticket=ticket, at=ny(2, 10))
    clocks_on_customer_message(tenant=tenant, ticket=ticket, at=ny(2, 11))
    nr = clock(ticket, Metric.NEXT_RESPONSE)
    assert (nr.cycle, nr.status, nr.due_at) == (1, ClockStatus.RUNNING, ny(2, 13))
    clocks_on_customer_message(tenant=tenant, ticket=ticket, at=ny(2, 12))
    assert clock(ticket, Metric.NEXT_RESPONSE).due_at == ny(2, 13)  # not pushed back

    clocks_on_agent_public_reply(tenant=tenant, ticket=ticket, at=ny(2, 12, 30))
    assert clock(ticket, Metric.NEXT_RESPONSE).status == ClockStatus.MET
    clocks_on_customer_message(tenant=tenant, ticket=ticket, at=ny(2, 16))
    nr = clock(ticket, Metric.NEXT_RESPONSE)
    assert (nr.cycle, nr.status, nr.started_at, nr.consumed) == (
        2, ClockStatus.RUNNING, ny(2, 16), timedelta(0),
    )  # fmt: skip
    assert nr.due_at == ny(3, 10)
    assert "cycle 2" in nr.segments.order_by("-id").first().note


def test_resolve_meets_resolution_and_stops_the_rest_reopen_keeps_consumed(tenant):
    ticket, _, _ = started(tenant)
    clocks_on_agent_public_reply(tenant=tenant, ticket=ticket, at=ny(2, 10))
    clocks_on_customer_message(tenant=tenant, ticket=ticket, at=ny(2, 11))
    clocks_on_resolve(tenant=tenant, ticket=ticket, at=ny(2, 12))
    res = clock(ticket, Metric.RESOLUTION)
    assert (res.status, res.consumed, res.met_at) == (ClockStatus.MET, 3 * H, ny(2, 12))
    assert clock(ticket, Metric.NEXT_RESPONSE).status == ClockStatus.STOPPED
    ticket.refresh_from_db()
    assert ticket.next_due_at is None and ticket.resolution_due_at is None

    clocks_on_reopen(tenant=tenant, ticket=ticket, at=ny(3, 9))
    res = clock(ticket, Metric.RESOLUTION)
    assert (res.status, res.consumed, res.met_at) == (ClockStatus.RUNNING, 3 * H, None)
    assert res.due_at == ny(4, 14)  # 13h left from Tuesday 09:00
    ticket.refresh_from_db()
    assert ticket.resolution_due_at == ny(4, 14)


def test_priority_change_retargets_keeping_consumed_time(tenant):
    ticket, _, policy = started(tenant)
    urgent = PriorityFactory(tenant=tenant, label="Urgent")
    calendar = clock(ticket, Metric.FIRST_RESPONSE).target.calendar
    TargetFactory(tenant=tenant, policy=policy, priority=urgent, duration=2 * H,
                  metric=Metric.FIRST_RESPONSE, calendar=calendar)  # fmt: skip
    clocks_on_priority_change(tenant=tenant, ticket=ticket, priority=urgent, at=ny(2, 10))
    fr = clock(ticket, Metric.FIRST_RESPONSE)
    assert (fr.target.priority_id, fr.target_duration, fr.consumed) == (urgent.pk, 2 * H, H)
    assert fr.due_at == ny(2, 11)
    last = fr.segments.order_by("-id").first()
    assert (last.due_at_before, last.due_at_after) == (ny(2, 13), ny(2, 11))
    assert "1h consumed kept" in last.note and "→ Urgent" in last.note
    # Urgent has no resolution target: that clock stops rather than keep the old promise.
    assert clock(ticket, Metric.RESOLUTION).status == ClockStatus.STOPPED


@time_machine.travel(MON_9 + 2 * H, tick=False)
def test_every_clocks_service_returns_the_tickets_deadlines(tenant):
    ticket, _, _ = started(tenant)
    deadlines = services.clocks_pause(tenant=tenant, ticket=ticket, at=ny(2, 10),
                                      reason=SegmentKind.PAUSED_CUSTOMER)  # fmt: skip
    assert (deadlines.first_response_due_at, deadlines.next_due_at) == (None, None)
    deadlines = services.clocks_resume(tenant=tenant, ticket=ticket, at=ny(2, 11))
    assert deadlines.first_response_due_at == deadlines.next_due_at == ny(2, 14)
    assert deadlines.resolution_due_at == ny(4, 10) and not deadlines.is_breached


def test_a_running_clock_past_due_marks_the_ticket_breached(tenant):
    ticket, _, _ = started(tenant)
    with time_machine.travel(ny(2, 13, 1)):
        deadlines = services.clocks_on_customer_message(tenant=tenant, ticket=ticket,
                                                        at=ny(2, 13, 1))  # fmt: skip
    assert deadlines.is_breached


def test_policy_in_force_is_the_latest_effective_version(tenant):
    _, v1, priority = setup(tenant, targets={Metric.FIRST_RESPONSE: 4 * H})[:3]
    april = datetime(2026, 4, 1, tzinfo=UTC)
    v2 = SupportPolicyFactory(tenant=tenant, plan=v1.plan, effective_from=april)
    assert policy_in_force(tenant=tenant, plan=v1.plan, at=MON_9) == v1
    assert policy_in_force(tenant=tenant, plan=v1.plan, at=datetime(2026, 4, 2, tzinfo=UTC)) == v2


def test_clocks_for_ticket_prefetches_the_ledger(tenant, django_assert_num_queries):
    ticket, _, _ = started(tenant)
    with django_assert_num_queries(2):
        clocks = clocks_for_ticket(tenant=tenant, ticket_id=ticket.pk)
        assert [c.metric for c in clocks] == [Metric.FIRST_RESPONSE, Metric.RESOLUTION]
        assert all(len(c.segments.all()) == 1 for c in clocks)
        assert clocks[0].target.calendar.name


def test_the_claim_of_due_clocks_uses_the_partial_index(tenant):
    started(tenant)
    query = (
        SlaClock.objects.cross_tenant()
        .filter(next_alert_at__isnull=False, next_alert_at__lte=ny(3, 0))
        .order_by("next_alert_at")[:10]
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = query.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "slaclock_next_alert_idx" in plan


def _priority_with(tenant, policy, calendar, targets, label="Other"):
    priority = PriorityFactory(tenant=tenant, label=label)
    for metric, duration in targets.items():
        TargetFactory(tenant=tenant, policy=policy, priority=priority, metric=metric,
                      duration=duration, calendar=calendar)  # fmt: skip
    return priority


def test_priority_change_starts_a_clock_for_a_metric_only_the_new_priority_has(tenant):
    ticket, _, policy = started(tenant, targets={Metric.FIRST_RESPONSE: 4 * H})
    calendar = clock(ticket, Metric.FIRST_RESPONSE).target.calendar
    both = {Metric.FIRST_RESPONSE: 2 * H, Metric.RESOLUTION: 8 * H}
    urgent = _priority_with(tenant, policy, calendar, label="Urgent", targets=both)
    ticket.priority = urgent
    clocks_on_priority_change(tenant=tenant, ticket=ticket, priority=urgent, at=ny(2, 10))
    res = clock(ticket, Metric.RESOLUTION)
    # Counted from the change, not from the ticket's creation: Monday 10:00 + 8h.
    assert (res.status, res.started_at, res.consumed) == (ClockStatus.RUNNING, ny(2, 10), 0 * H)
    assert res.due_at == ny(3, 10) and res.target.priority_id == urgent.pk
    (segment,) = res.segments.all()
    assert segment.kind == SegmentKind.RUNNING and segment.due_at_after == ny(3, 10)
    assert segment.note.startswith("Started: priority changed to Urgent, resolution target 8h")
    ticket.refresh_from_db()
    assert ticket.resolution_due_at == ny(3, 10)


def test_priority_change_back_resumes_the_stopped_clock_keeping_its_consumed_time(tenant):
    ticket, _, policy = started(tenant, targets={Metric.FIRST_RESPONSE: 4 * H,
                                                 Metric.RESOLUTION: 16 * H})  # fmt: skip
    original = ticket.priority
    calendar = clock(ticket, Metric.RESOLUTION).target.calendar
    low = _priority_with(tenant, policy, calendar, targets={Metric.FIRST_RESPONSE: 8 * H})
    clocks_on_priority_change(tenant=tenant, ticket=ticket, priority=low, at=ny(2, 11))
    res = clock(ticket, Metric.RESOLUTION)
    assert res.status == ClockStatus.STOPPED
    assert "no target for this metric (stopped)" in res.segments.order_by("-id").first().note

    clocks_on_priority_change(tenant=tenant, ticket=ticket, priority=original, at=ny(2, 14))
    res = clock(ticket, Metric.RESOLUTION)
    # 2h consumed (09:00-11:00) kept; the stopped stretch did not count: 14h left from 14:00.
    assert (res.status, res.consumed, res.due_at) == (ClockStatus.RUNNING, 2 * H, ny(4, 12))
    assert "2h consumed before it stopped kept; 14h left" in res.segments.order_by("-id")[0].note
    assert SlaClock.objects.filter(ticket=ticket).count() == 2


def test_priority_change_starts_nothing_already_answered_or_resolved(tenant):
    ticket, _, policy = started(tenant, targets={Metric.NEXT_RESPONSE: 2 * H})
    calendar = CalendarFactory(tenant=tenant)
    full = _priority_with(tenant, policy, calendar, targets={
        Metric.FIRST_RESPONSE: H, Metric.RESOLUTION: 8 * H, Metric.NEXT_RESPONSE: H,
    })  # fmt: skip
    ticket.policy = policy
    ticket.first_responded_at = ny(2, 9, 30)
    ticket.resolved_at = ny(2, 9, 45)
    ticket.save()
    clocks_on_priority_change(tenant=tenant, ticket=ticket, priority=full, at=ny(2, 10))
    # Next response starts at a customer message, never at a priority change.
    assert not SlaClock.objects.filter(ticket=ticket).exists()


def test_priority_change_on_a_paused_ticket_starts_the_new_clock_paused(tenant):
    ticket, _, policy = started(tenant, targets={Metric.FIRST_RESPONSE: 4 * H})
    calendar = clock(ticket, Metric.FIRST_RESPONSE).target.calendar
    both = {Metric.FIRST_RESPONSE: 2 * H, Metric.RESOLUTION: 8 * H}
    urgent = _priority_with(tenant, policy, calendar, targets=both)
    clocks_pause(tenant=tenant, ticket=ticket, at=ny(2, 10), reason=SegmentKind.PAUSED_CUSTOMER)
    ticket.priority = urgent
    clocks_on_priority_change(tenant=tenant, ticket=ticket, priority=urgent, at=ny(2, 11))
    res = clock(ticket, Metric.RESOLUTION)
    assert (res.status, res.due_at, res.pause_kind) == (
        ClockStatus.PAUSED, None, SegmentKind.PAUSED_CUSTOMER,
    )  # fmt: skip
    assert res.segments.get().note.endswith("; paused: waiting on the customer")
    clocks_on_customer_message(tenant=tenant, ticket=ticket, at=ny(2, 13))
    res = clock(ticket, Metric.RESOLUTION)
    assert (res.status, res.due_at) == (ClockStatus.RUNNING, ny(3, 13))


def test_priority_change_back_resumes_a_stopped_first_response_until_an_agent_answers(tenant):
    ticket, original, policy = started(tenant, targets={Metric.FIRST_RESPONSE: 4 * H})
    calendar = clock(ticket, Metric.FIRST_RESPONSE).target.calendar
    bare = _priority_with(tenant, policy, calendar, targets={Metric.RESOLUTION: 8 * H})
    clocks_on_priority_change(tenant=tenant, ticket=ticket, priority=bare, at=ny(2, 10))
    assert clock(ticket, Metric.FIRST_RESPONSE).status == ClockStatus.STOPPED
    clocks_on_priority_change(tenant=tenant, ticket=ticket, priority=original, at=ny(2, 11))
    fr = clock(ticket, Metric.FIRST_RESPONSE)
    assert (fr.status, fr.consumed, fr.due_at, fr.met_at) == (
        ClockStatus.RUNNING, H, ny(2, 14), None,
    )  # fmt: skip

    clocks_on_priority_change(tenant=tenant, ticket=ticket, priority=bare, at=ny(2, 12))
    ticket.first_responded_at = ny(2, 12, 30)  # answered while the priority had no target
    clocks_on_priority_change(tenant=tenant, ticket=ticket, priority=original, at=ny(2, 13))
    assert clock(ticket, Metric.FIRST_RESPONSE).status == ClockStatus.STOPPED
