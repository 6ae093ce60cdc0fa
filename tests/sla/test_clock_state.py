"""The pure clock core: transitions and next_alert_at, no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sla import clock_state as core
from sla.calendars import BusinessCalendar

H = timedelta(hours=1)
MON_9 = datetime(2026, 3, 2, 14, tzinfo=UTC)  # 09:00 New York (EST)
OFFICE = BusinessCalendar(
    timezone="America/New_York", weekly={str(d): ["09:00-17:00"] for d in range(5)}
)
RULES = core.ClockRules(calendar=OFFICE, warning_thresholds=(50, 75))


def ny(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour + 5, minute, tzinfo=UTC)


def started(duration=4 * H, rules=RULES) -> core.ClockState:
    return core.start(rules, metric="first_response", duration=duration, at=MON_9, note="").state


def test_a_started_clock_alerts_first_at_its_first_warning_threshold():
    state = started()
    assert state.due_at == ny(2, 13)
    assert state.next_alert_at == ny(2, 11)  # 50 % of 4 business hours


def test_thresholds_are_business_time_on_the_clock_calendar():
    state = core.start(RULES, metric="resolution", duration=16 * H, at=ny(2, 13), note="").state
    # 50 % = 8 business hours from Monday 13:00: 4 h on Monday, 4 h on Tuesday -> Tue 13:00.
    assert state.next_alert_at == ny(3, 13)


def test_without_thresholds_the_next_alert_is_the_deadline():
    state = started(rules=replace(RULES, warning_thresholds=()))
    assert state.next_alert_at == state.due_at == ny(2, 13)


def test_pause_met_stopped_and_breached_clocks_have_no_next_alert():
    state = started()
    assert core.pause(state, RULES, ny(2, 10), core.PAUSED_CUSTOMER).next_alert_at is None
    met = core.finish(state, RULES, ny(2, 10), met_status=core.MET, why="reply")
    assert met.state.status == core.MET and met.next_alert_at is None
    late = core.finish(state, RULES, ny(2, 14), met_status=core.MET, why="reply")
    assert late.state.status == core.BREACHED and late.next_alert_at is None


def test_resume_keeps_the_consumed_time_and_moves_the_alert():
    paused = core.pause(started(), RULES, ny(2, 10), core.PAUSED_CUSTOMER).state
    resumed = core.resume(paused, RULES, ny(2, 12), "Resumed")
    assert resumed.state.due_at == ny(2, 15)  # 1 h consumed, 3 h left from 12:00
    assert resumed.next_alert_at == ny(2, 13)  # 2 h consumed at 13:00 = 50 %
    assert resumed.note.startswith("Resumed; 3h left")


def test_the_scan_step_warns_each_threshold_once_then_breaches_at_the_deadline():
    state = started()
    quiet = core.scan_step(state, RULES, ny(2, 10))
    assert (quiet.warned, quiet.breached, quiet.state.next_alert_at) == ((), False, ny(2, 11))
    both = core.scan_step(state, RULES, ny(2, 12, 30))  # past 50 % and 75 % at once
    assert both.warned == (50, 75) and both.state.warned_percent == 75
    assert both.state.next_alert_at == ny(2, 13) and not both.breached
    again = core.scan_step(both.state, RULES, ny(2, 12, 30))
    assert again.warned == () and again.state == both.state  # idempotent
    breach = core.scan_step(both.state, RULES, ny(2, 13, 5))
    assert breach.breached and breach.state.breached_at == ny(2, 13)
    # Breached at the deadline (the scan's record); an answer later still records met_at.
    assert breach.state.next_alert_at is None and breach.state.status == core.BREACHED
    assert core.scan_step(breach.state, RULES, ny(2, 14)).breached is False


def test_a_recomputed_clock_keeps_its_checkpoint_and_takes_the_new_hours():
    state = started()
    earlier = BusinessCalendar(
        timezone="America/New_York", weekly={str(d): ["08:00-16:00"] for d in range(5)}
    )
    new = core.recomputed(state, replace(RULES, calendar=earlier), duration=4 * H, now=ny(2, 9))
    assert new.due_at == ny(2, 13) and new.next_alert_at == ny(2, 11)
    shorter = core.recomputed(state, RULES, duration=2 * H, now=ny(2, 9))
    assert shorter.due_at == ny(2, 11) and shorter.next_alert_at == ny(2, 10)


def test_ticket_deadlines_come_from_running_clocks_only():
    first = started()
    resolution = replace(first, metric="resolution", due_at=ny(3, 17))
    paused = core.pause(first, RULES, ny(2, 10), core.PAUSED_HOLD).state
    deadlines = core.ticket_deadlines([first, resolution], now=ny(2, 10))
    assert deadlines == core.TicketDeadlines(ny(2, 13), ny(3, 17), ny(2, 13), False)
    assert core.ticket_deadlines([paused, resolution], now=ny(2, 10)).next_due_at == ny(3, 17)
    assert core.ticket_deadlines([first], now=ny(2, 13, 1)).is_breached
