"""Maintenance occurrences (pure, DST-exact) and maintenance as closed time for SLA clocks."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sla import configuration
from sla.calendar_cache import clear_cache
from sla.calendars import BusinessCalendar
from sla.maintenance import WindowRule, occurrences, wall_to_instant
from sla.models import MaintenanceWindow, SlaClock, TenantSlaSettings
from sla.recompute import recompute_job_run
from tests.sla.factories import CalendarFactory, TargetFactory, make_ticket, start_clocks

NY = ZoneInfo("America/New_York")
ZONES = ["America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata", "UTC",
         "America/Santiago", "Pacific/Chatham", "Europe/Berlin"]  # fmt: skip
BYTEZ = WindowRule(time_zone="America/New_York", weekdays=(5, 6), starts=time(22), ends=time(4))


# --------------------------------------------------------------------------- examples


def test_bytez_weekend_window_across_fall_back_is_seven_real_hours():
    found = occurrences(BYTEZ, datetime(2025, 11, 1, tzinfo=UTC), datetime(2025, 11, 3, tzinfo=UTC))
    saturday = found[0]
    # Sat 1 Nov 22:00 EDT (UTC-4) to Sun 2 Nov 04:00 EST (UTC-5): clocks went back at 02:00.
    assert saturday.start == datetime(2025, 11, 2, 2, tzinfo=UTC)
    assert saturday.end == datetime(2025, 11, 2, 9, tzinfo=UTC)
    assert saturday.length == timedelta(hours=7)


def test_bytez_weekend_window_across_spring_forward_is_five_real_hours():
    found = occurrences(
        BYTEZ, datetime(2026, 3, 7, tzinfo=UTC), datetime(2026, 3, 8, 12, tzinfo=UTC)
    )
    assert [(o.start, o.end) for o in found] == [
        (datetime(2026, 3, 8, 3, tzinfo=UTC), datetime(2026, 3, 8, 8, tzinfo=UTC))
    ]


def test_a_bound_inside_the_spring_gap_is_the_jump_and_a_fold_bound_its_first_passage():
    # 02:30 does not exist on 8 Mar 2026 in New York: the window starts at the jump (03:00 EDT).
    assert wall_to_instant(datetime(2026, 3, 8, 2, 30), NY) == datetime(2026, 3, 8, 7, tzinfo=UTC)
    # 01:30 happens twice on 1 Nov 2026: the first passage (EDT).
    assert wall_to_instant(datetime(2026, 11, 1, 1, 30), NY) == datetime(
        2026, 11, 1, 5, 30, tzinfo=UTC
    )


def test_one_off_window_overlapping_the_range_is_listed_whole():
    rule = WindowRule(time_zone="UTC", one_off_start=datetime(2026, 5, 1, 22, tzinfo=UTC),
                      one_off_end=datetime(2026, 5, 2, 2, tzinfo=UTC))  # fmt: skip
    assert len(occurrences(rule, datetime(2026, 5, 2, 1, tzinfo=UTC),
                           datetime(2026, 5, 3, tzinfo=UTC))) == 1  # fmt: skip
    assert occurrences(rule, datetime(2026, 5, 2, 2, tzinfo=UTC),
                       datetime(2026, 5, 3, tzinfo=UTC)) == []  # fmt: skip


def test_active_from_skips_earlier_occurrences():
    rule = WindowRule(time_zone="America/New_York", weekdays=(5,), starts=time(22),
                      ends=time(4), active_from=datetime(2026, 3, 10, tzinfo=UTC))  # fmt: skip
    found = occurrences(rule, datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 20, tzinfo=UTC))
    assert [o.start.date().isoformat() for o in found] == ["2026-03-15"]


# --------------------------------------------------------------------------- properties

quarter_hours = st.integers(0, 95).map(lambda q: time(q // 4, q % 4 * 15))
rules = st.builds(
    lambda zone, days, a, b: WindowRule(time_zone=zone, weekdays=tuple(sorted(days)), starts=a,
                                        ends=b),
    st.sampled_from(ZONES), st.sets(st.integers(0, 6), min_size=1), quarter_hours, quarter_hours,
).filter(lambda r: r.starts != r.ends)  # fmt: skip
instants = st.integers(
    int(datetime(2020, 1, 1, tzinfo=UTC).timestamp()),
    int(datetime(2031, 1, 1, tzinfo=UTC).timestamp()),
).map(lambda s: datetime.fromtimestamp(s, UTC))


def _wall_inside(rule: WindowRule, t: datetime) -> bool:
    """The rule read off the wall clock: is the local time of `t` inside a window?"""
    local = t.astimezone(ZoneInfo(rule.time_zone)).replace(tzinfo=None)
    day, clock = local.weekday(), local.time()
    if rule.ends > rule.starts:
        return day in rule.weekdays and rule.starts <= clock < rule.ends
    return (day in rule.weekdays and clock >= rule.starts) or (
        (day - 1) % 7 in rule.weekdays and clock < rule.ends
    )


def _ambiguous(zone: ZoneInfo, t: datetime) -> bool:
    wall = t.astimezone(zone).replace(tzinfo=None)
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    second = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    return first != second


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rule=rules, start=instants, days=st.integers(1, 40), probes=st.lists(
    st.floats(0, 1, exclude_max=True), min_size=1, max_size=20))  # fmt: skip
def test_occurrences_are_exactly_the_instants_whose_wall_time_is_inside(rule, start, days, probes):
    end = start + timedelta(days=days)
    found = occurrences(rule, start, end)
    zone = ZoneInfo(rule.time_zone)
    # Sorted, disjoint, each overlapping the range, in UTC.
    for a, b in zip(found, found[1:], strict=False):
        assert a.end <= b.start
    for o in found:
        assert o.start < o.end and o.start < end and o.end > start
        assert o.start.tzinfo is UTC
        local = o.start.astimezone(zone)
        # Starts on a listed weekday at its wall time (or at the jump of a gap it fell in).
        assert local.weekday() in rule.weekdays or local.time() < time(4)
    # Membership agrees with the wall clock for every unambiguous instant probed.
    span = (end - start).total_seconds()
    for p in probes:
        t = start + timedelta(seconds=int(span * p))
        if _ambiguous(zone, t):
            continue
        inside = any(o.start <= t < o.end for o in found)
        assert inside == _wall_inside(rule, t), (t, t.astimezone(zone))


# Days whose clocks jump or fall back (whole hours, Lord Howe's half hour, Chatham's +13:45).
TRANSITIONS = [("America/New_York", datetime(2026, 3, 8, tzinfo=UTC)),
               ("America/New_York", datetime(2026, 11, 1, tzinfo=UTC)),
               ("Europe/London", datetime(2026, 3, 29, tzinfo=UTC)),
               ("Australia/Lord_Howe", datetime(2026, 4, 5, tzinfo=UTC)),
               ("Australia/Lord_Howe", datetime(2026, 10, 4, tzinfo=UTC)),
               ("Pacific/Chatham", datetime(2026, 9, 27, tzinfo=UTC)),
               ("America/Santiago", datetime(2026, 9, 6, tzinfo=UTC))]  # fmt: skip


@settings(max_examples=120, deadline=None)
@given(where=st.sampled_from(TRANSITIONS), a=quarter_hours, b=quarter_hours)
def test_around_dst_changes_every_five_minutes_agrees_with_the_wall_clock(where, a, b):
    zone_name, day = where
    if a == b:
        return
    rule = WindowRule(time_zone=zone_name, weekdays=tuple(range(7)), starts=a, ends=b)
    start, end = day - timedelta(days=1), day + timedelta(days=2)
    found = occurrences(rule, start, end)
    zone = ZoneInfo(zone_name)
    t = start
    while t < end:
        if not _ambiguous(zone, t):
            assert any(o.start <= t < o.end for o in found) == _wall_inside(rule, t), (
                t, t.astimezone(zone))  # fmt: skip
        t += timedelta(minutes=5)


@settings(max_examples=150, deadline=None)
@given(rule=rules, start=instants, a=st.integers(1, 20), b=st.integers(1, 20))
def test_splitting_the_range_loses_and_invents_nothing(rule, start, a, b):
    mid = start + timedelta(days=a)
    end = mid + timedelta(days=b)
    whole = occurrences(rule, start, end)
    parts = {(o.start, o.end) for o in occurrences(rule, start, mid) + occurrences(rule, mid, end)}
    assert parts == {(o.start, o.end) for o in whole}


@settings(max_examples=200, deadline=None)
@given(start=instants, gap_at=st.integers(0, 20 * 24 * 60), gap_len=st.integers(1, 48 * 60),
       work=st.integers(1, 30 * 24 * 60))  # fmt: skip
def test_closed_time_on_an_always_open_calendar_is_skipped_exactly(start, gap_at, gap_len, work):
    a = start + timedelta(minutes=gap_at)
    b = a + timedelta(minutes=gap_len)
    week = {i: ["00:00-24:00"] for i in range(7)}
    plain = BusinessCalendar("America/New_York", week)
    closed = BusinessCalendar("America/New_York", week, closed=[(a, b)])
    duration = timedelta(minutes=work)
    due = closed.add_business_time(start, duration)
    expected = plain.add_business_time(start, duration)
    if expected > a:
        expected += b - a  # the deadline moves by the part of the window before it
    if a < start + duration <= b:
        expected = b + (start + duration - a)
    assert due == expected
    assert closed.business_time_between(start, due) == duration
    assert not closed.is_open(a) and closed.is_open(b)


# --------------------------------------------------------------------------- the clock engine

MON_9 = datetime(2026, 3, 2, 14, tzinfo=UTC)  # Monday 09:00 New York


def _clock(tenant, calendar, hours=8):
    target = TargetFactory(tenant=tenant, calendar=calendar, duration=timedelta(hours=hours))
    ticket = make_ticket(tenant=tenant, priority=target.priority, plan=target.policy.plan)
    start_clocks(tenant=tenant, ticket=ticket, plan=target.policy.plan, priority=target.priority,
                 at=MON_9)  # fmt: skip
    return SlaClock.objects.get(ticket=ticket)


def _window(**kwargs) -> MaintenanceWindow:
    fields = {"name": "Database upgrade", "time_zone": "America/New_York", "starts": time(12),
              "ends": time(14), "one_off_start": datetime(2026, 3, 2, 17, tzinfo=UTC),
              "one_off_end": datetime(2026, 3, 2, 19, tzinfo=UTC)}  # fmt: skip
    return MaintenanceWindow(**{**fields, **kwargs})


@pytest.mark.parametrize("pause", [True, False])
def test_clocks_pause_across_a_window_only_when_the_tenant_says_so(
    tenant, pause, django_capture_on_commit_callbacks
):
    clear_cache()
    TenantSlaSettings.objects.create(tenant=tenant, pause_clocks_in_maintenance=pause)
    calendar = CalendarFactory(tenant=tenant, weekly={str(d): ["00:00-24:00"] for d in range(7)})
    clock = _clock(tenant, calendar)
    assert clock.due_at == MON_9 + timedelta(hours=8)  # 24/7: Monday 17:00 New York
    with django_capture_on_commit_callbacks(execute=True):
        jobs = configuration.maintenance_window_save(tenant=tenant, window=_window())
    clock.refresh_from_db()
    if pause:
        # Monday 12:00-14:00 New York is closed: the deadline moves by the window's 2 hours.
        assert len(jobs) == 1
        assert clock.due_at == MON_9 + timedelta(hours=10)
        note = clock.segments.order_by("-id").first().note
        assert "maintenance window 'Database upgrade' scheduled" in note
    else:
        assert jobs == []
        assert clock.due_at == MON_9 + timedelta(hours=8)


def test_cancelling_a_window_gives_the_time_back(tenant, django_capture_on_commit_callbacks):
    clear_cache()
    TenantSlaSettings.objects.create(tenant=tenant, pause_clocks_in_maintenance=True)
    window = _window()
    configuration.maintenance_window_save(tenant=tenant, window=window)
    calendar = CalendarFactory(tenant=tenant, weekly={str(d): ["00:00-24:00"] for d in range(7)})
    clock = _clock(tenant, calendar)
    assert clock.due_at == MON_9 + timedelta(hours=10)  # started knowing the window
    with django_capture_on_commit_callbacks(execute=True):
        configuration.maintenance_window_cancel(tenant=tenant, window=window)
    clock.refresh_from_db()
    assert clock.due_at == MON_9 + timedelta(hours=8)
    assert "cancelled" in clock.segments.order_by("-id").first().note


def test_turning_the_setting_on_recomputes_running_clocks(
    tenant, django_capture_on_commit_callbacks
):
    clear_cache()
    configuration.maintenance_window_save(tenant=tenant, window=_window())
    calendar = CalendarFactory(tenant=tenant, weekly={str(d): ["00:00-24:00"] for d in range(7)})
    clock = _clock(tenant, calendar)
    assert clock.due_at == MON_9 + timedelta(hours=8)
    with django_capture_on_commit_callbacks(execute=True):
        jobs = configuration.sla_settings_save(
            tenant=tenant, settings=TenantSlaSettings(pause_clocks_in_maintenance=True)
        )
    assert jobs
    recompute_job_run(tenant=tenant, job_id=jobs[0].pk)  # idempotent if it already ran
    clock.refresh_from_db()
    assert clock.due_at == MON_9 + timedelta(hours=10)
