"""The pure core of the SLA clocks: a clock's state and its transitions (no ORM, no database).

Like `calendars.BusinessCalendar`, everything here is a function of its arguments, so the
engine's rules are testable without a database and the services around it stay a thin shell:
load rows → states, call a transition, write the new states back with the ledger note.

Each transition returns a `Transition`: the clock's new state (whose `next_alert_at` is
already maintained), the kind of ledger segment it opens, the deadline before, and the note.

Clock arithmetic. `consumed` is the business time (on the target's calendar) consumed up to
`consumed_as_of`. A running clock's `due_at` is always
`calendar.add_business_time(consumed_as_of, target_duration - consumed)`, so pausing and
resuming never loses or invents time. A warning threshold of p % falls where the clock has
consumed p % of its target: `add_business_time(consumed_as_of, p % · target - consumed)`.

`next_alert_at` is the next instant the breach scan must look at the clock: the earliest of
its next un-warned threshold and its deadline while it runs and has not breached; null once
breached, paused, met or stopped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta

from .calendars import BusinessCalendar
from .durations import format_duration

# Values of models.ClockStatus / models.SegmentKind / models.Metric, repeated here so the core
# imports no Django (the model choices are built from the same strings).
RUNNING, PAUSED, MET, BREACHED, STOPPED = "running", "paused", "met", "breached", "stopped"
OPEN = (RUNNING, PAUSED)
SEGMENT_RUNNING, SEGMENT_STOPPED = "running", "stopped"
PAUSED_CUSTOMER, PAUSED_HOLD = "paused_customer", "paused_hold"
FIRST_RESPONSE, NEXT_RESPONSE, RESOLUTION = "first_response", "next_response", "resolution"
PAUSE_NOTES = {
    PAUSED_CUSTOMER: "Paused: waiting on the customer",
    PAUSED_HOLD: "Paused: ticket on hold",
}


@dataclass(frozen=True)
class ClockRules:
    """What a clock's arithmetic depends on: its target's calendar and its policy's rules."""

    calendar: BusinessCalendar
    warning_thresholds: tuple[int, ...] = ()  # kept ascending, whatever order they come in
    max_pause: timedelta | None = None
    pause_on_hold: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "warning_thresholds", tuple(sorted(self.warning_thresholds)))


@dataclass(frozen=True)
class ClockState:
    metric: str
    status: str
    started_at: datetime
    target_duration: timedelta
    consumed: timedelta
    consumed_as_of: datetime
    due_at: datetime | None = None
    met_at: datetime | None = None
    breached_at: datetime | None = None
    warned_percent: int = 0
    cycle: int = 1
    paused_at: datetime | None = None
    pause_kind: str = ""
    next_alert_at: datetime | None = None


@dataclass(frozen=True)
class Transition:
    """A clock's new state and the ledger entry that explains it."""

    state: ClockState
    segment_kind: str
    due_before: datetime | None
    note: str

    @property
    def next_alert_at(self) -> datetime | None:
        return self.state.next_alert_at


@dataclass(frozen=True)
class TicketDeadlines:
    """A ticket's denormalised deadline columns, as the clocks give them (tickets writes them).

    first_response_due_at / resolution_due_at: that clock's due_at while it runs, else null;
    next_due_at: the nearest due_at of a running clock; is_breached: a clock has breached
    (status or `breached_at`), or a running clock is past due at the instant computed.
    """

    first_response_due_at: datetime | None = None
    resolution_due_at: datetime | None = None
    next_due_at: datetime | None = None
    is_breached: bool = False


# --------------------------------------------------------------------------- derived values


def threshold_instant(state: ClockState, rules: ClockRules, percent: int) -> datetime:
    """When a running clock reaches `percent` % of its target (now, if already past it)."""
    at_threshold = state.target_duration * percent / 100
    left = at_threshold - state.consumed
    if left <= timedelta(0):
        return state.consumed_as_of
    return rules.calendar.add_business_time(state.consumed_as_of, left)


def pause_cap_at(state: ClockState, rules: ClockRules) -> datetime | None:
    """When a clock waiting on the customer reaches the policy's `max_pause` (the scan then
    resumes it: time past the cap counts); None without a cap or unless paused so."""
    if state.status != PAUSED or state.pause_kind != PAUSED_CUSTOMER or state.paused_at is None:
        return None
    if rules.max_pause is None:
        return None
    return state.paused_at + rules.max_pause


def next_alert(state: ClockState, rules: ClockRules) -> datetime | None:
    """The earliest of the next un-warned threshold and the deadline while running and not yet
    breached; the pause cap's instant while paused waiting on the customer; else None."""
    if state.status == PAUSED:
        return pause_cap_at(state, rules)
    if state.status != RUNNING or state.breached_at is not None or state.due_at is None:
        return None
    for percent in rules.warning_thresholds:
        if percent > state.warned_percent:
            # One calendar step, only for the next threshold: later ones come after it.
            return min(threshold_instant(state, rules, percent), state.due_at)
    return state.due_at


def _with_alert(state: ClockState, rules: ClockRules) -> ClockState:
    alert = next_alert(state, rules)
    return state if alert == state.next_alert_at else _evolve(state, next_alert_at=alert)


_STATE_FIELDS = frozenset(f.name for f in fields(ClockState))


def _evolve(state: ClockState, **changes: object) -> ClockState:
    """`dataclasses.replace` for the hot paths (the breach scan evolves thousands of states a
    batch): a copy of the fields with `changes`, without calling __init__ again (ClockState
    has no validation of its own)."""
    if not changes.keys() <= _STATE_FIELDS:
        raise TypeError(f"ClockState has no field(s) {sorted(changes.keys() - _STATE_FIELDS)}")
    new = object.__new__(ClockState)
    new.__dict__.update(state.__dict__)
    new.__dict__.update(changes)
    return new


def ticket_deadlines(states: Iterable[ClockState], *, now: datetime) -> TicketDeadlines:
    """What the ticket row shows of its clocks (see TicketDeadlines)."""
    first = resolution = nearest = None
    breached = False
    for state in states:
        if state.status == BREACHED or state.breached_at is not None:
            breached = True
        if state.status != RUNNING or state.due_at is None:
            continue
        if state.due_at < now:
            breached = True
        if state.metric == FIRST_RESPONSE:
            first = state.due_at
        elif state.metric == RESOLUTION:
            resolution = state.due_at
        nearest = state.due_at if nearest is None else min(nearest, state.due_at)
    return TicketDeadlines(first, resolution, nearest, breached)


# --------------------------------------------------------------------------- transitions


def checkpoint(state: ClockState, rules: ClockRules, at: datetime) -> ClockState:
    """Fold the business time consumed since the last checkpoint into `consumed`."""
    if state.status == RUNNING and at > state.consumed_as_of:
        used = rules.calendar.business_time_between(state.consumed_as_of, at)
        return replace(state, consumed=state.consumed + used, consumed_as_of=at)
    return state


def run_from(state: ClockState, rules: ClockRules, at: datetime) -> tuple[ClockState, str]:
    """The clock running from `at` with what is left of its target, and a note suffix.

    A deadline already behind us (a shorter target, a pause cap exceeded by more than what
    was left) is recorded as due at the change, and the note says by how much it is over.
    """
    remaining = state.target_duration - state.consumed
    base = replace(state, status=RUNNING, consumed_as_of=at, paused_at=None, pause_kind="")
    if remaining < timedelta(0):
        new = replace(base, due_at=at)
        return _with_alert(new, rules), f"; already {format_duration(-remaining)} over the target"
    new = replace(base, due_at=rules.calendar.add_business_time(at, remaining))
    return _with_alert(new, rules), f"; {format_duration(remaining)} left"


def start(
    rules: ClockRules, *, metric: str, duration: timedelta, at: datetime, note: str
) -> Transition:
    state = ClockState(
        metric=metric, status=RUNNING, started_at=at, target_duration=duration,
        consumed=timedelta(0), consumed_as_of=at,
        due_at=rules.calendar.add_business_time(at, duration),
    )  # fmt: skip
    return Transition(_with_alert(state, rules), SEGMENT_RUNNING, None, note)


def is_late(state: ClockState, at: datetime) -> bool:
    if state.breached_at is not None:
        return True
    if state.status == RUNNING and state.due_at is not None:
        return at > state.due_at
    return state.consumed > state.target_duration


def finish(
    state: ClockState, rules: ClockRules, at: datetime, *, met_status: str, why: str
) -> Transition:
    """Stop an open clock: met/stopped when on time, breached when late."""
    due_before = state.due_at
    late = is_late(state, at)
    new = checkpoint(state, rules, at)
    if late:
        new = replace(new, status=BREACHED, breached_at=state.breached_at or due_before or at)
    else:
        new = replace(new, status=met_status)
    new = replace(new, met_at=at, paused_at=None, pause_kind="", next_alert_at=None)
    verdict = "late: breached" if late else ("met" if met_status == MET else "stopped")
    return Transition(new, SEGMENT_STOPPED, due_before, f"{why} ({verdict})")


def pause(state: ClockState, rules: ClockRules, at: datetime, kind: str) -> Transition:
    due_before = state.due_at
    new = checkpoint(state, rules, at)
    new = replace(new, status=PAUSED, paused_at=at, pause_kind=kind, due_at=None)
    new = _with_alert(new, rules)  # the pause cap's instant, if the policy caps this pause
    note = f"{PAUSE_NOTES[kind]}; {format_duration(new.consumed)} consumed so far"
    return Transition(new, kind, due_before, note)


def resume(state: ClockState, rules: ClockRules, at: datetime, why: str) -> Transition:
    """Run again; with the policy's `max_pause`, time past the cap counts as running time."""
    cap = rules.max_pause
    restart = at
    extra = ""
    if cap is not None and state.paused_at is not None and at - state.paused_at > cap:
        restart = state.paused_at + cap
        extra = f"; pause exceeded the {format_duration(cap)} cap, the excess counts"
    new, suffix = run_from(state, rules, restart)
    new = _with_alert(checkpoint(new, rules, at), rules)
    return Transition(new, SEGMENT_RUNNING, None, f"{why}{extra}{suffix}")


def restart_cycle(
    state: ClockState, rules: ClockRules, at: datetime, duration: timedelta
) -> Transition:
    """Next response starts a new cycle at a customer message, from zero."""
    due_before = state.due_at
    new = replace(
        state, cycle=state.cycle + 1, target_duration=duration, started_at=at,
        consumed=timedelta(0), met_at=None, breached_at=None, warned_percent=0,
    )  # fmt: skip
    new, _ = run_from(new, rules, at)
    note = f"Restarted (cycle {new.cycle}): customer message, {format_duration(duration)}"
    return Transition(new, SEGMENT_RUNNING, due_before, note)


def reopen(state: ClockState, rules: ClockRules, at: datetime) -> Transition:
    """Resolution carries on from where it stopped: the business time consumed is kept."""
    due_before = state.due_at
    new, suffix = run_from(replace(state, met_at=None), rules, at)
    note = f"Resumed: ticket reopened, {format_duration(new.consumed)} consumed kept"
    return Transition(new, SEGMENT_RUNNING, due_before, note + suffix)


def retarget(
    state: ClockState, old: ClockRules, new_rules: ClockRules, at: datetime, *,
    duration: timedelta, note: str,
) -> Transition:  # fmt: skip
    """Keep the business time consumed (counted on the old calendar), take the new target."""
    due_before = state.due_at
    new = replace(checkpoint(state, old, at), target_duration=duration)
    if new.status == RUNNING:
        new, suffix = run_from(new, new_rules, at)
        note += suffix
    kind = SEGMENT_RUNNING if new.status == RUNNING else new.pause_kind
    return Transition(new, kind, due_before, note)


def bring_in(
    state: ClockState, rules: ClockRules, at: datetime, *,
    duration: timedelta, paused: str, revived: bool, note: str,
) -> Transition:  # fmt: skip
    """A new (or priority-stopped) clock counting under a new target from `at`."""
    due_before = state.due_at if revived else None
    new = replace(state, target_duration=duration, met_at=None)
    if paused:
        # It comes into a paused ticket: it waits with the ticket's other clocks.
        new = replace(
            new, status=PAUSED, paused_at=at, pause_kind=paused, due_at=None,
            consumed_as_of=at,
        )  # fmt: skip
        note = f"{note}; {PAUSE_NOTES[paused].lower()}"
        return Transition(_with_alert(new, rules), paused, due_before, note)
    if revived:
        new, suffix = run_from(new, rules, at)
        note += suffix
    return Transition(_with_alert(new, rules), SEGMENT_RUNNING, due_before, note)


def recomputed(
    state: ClockState, rules: ClockRules, *, duration: timedelta, now: datetime
) -> ClockState:
    """The same clock under changed configuration (a calendar's hours, a target's duration).

    Deterministic: it depends on the clock's own checkpoint, never on when it runs; the new
    hours apply from the clock's last checkpoint (start, resume or retarget). A paused clock
    only takes the new duration.
    """
    if state.status != RUNNING:
        new = replace(state, target_duration=duration)
        return replace(new, next_alert_at=next_alert(new, rules))
    remaining = duration - state.consumed
    due = rules.calendar.add_business_time(state.consumed_as_of, remaining) if (
        remaining >= timedelta(0)
    ) else now
    new = replace(state, target_duration=duration, due_at=due)  # one copy per clock: hot path
    alert = next_alert(new, rules)
    return new if alert == new.next_alert_at else replace(new, next_alert_at=alert)


@dataclass(frozen=True)
class ScanOutcome:
    """What the breach scan found due on a clock: the thresholds newly crossed, a breach, and
    whether a pause past the policy's cap was ended (`capped`: the clock runs again)."""

    state: ClockState
    warned: tuple[int, ...]
    breached: bool
    capped: bool = False
    warned_at: tuple[datetime, ...] = ()  # when each threshold in `warned` was crossed


PAUSE_CAP_NOTE = "Resumed: paused longer than the policy allows"


def scan_step(state: ClockState, rules: ClockRules, now: datetime) -> ScanOutcome:
    """The clock after the scan at `now`: a clock paused on the customer past the policy's
    `max_pause` runs again from the cap (the excess counts); every threshold crossed by then is
    warned (once, highest recorded in `warned_percent`), and a running clock past its deadline
    is breached at the deadline (`status` breached, `breached_at = due_at`; an answer later
    still records `met_at`). Idempotent: scanning the result again at the same `now` changes
    nothing."""
    capped = False
    cap = pause_cap_at(state, rules)
    if cap is not None and cap <= now:
        state = resume(state, rules, now, PAUSE_CAP_NOTE).state
        capped = True
    if state.status != RUNNING or state.breached_at is not None or state.due_at is None:
        return ScanOutcome(_with_alert(state, rules), (), False, capped)
    crossed = [
        (p, at) for p in rules.warning_thresholds if p > state.warned_percent
        for at in (threshold_instant(state, rules, p),) if at <= now
    ]  # fmt: skip
    warned = tuple(p for p, _at in crossed)
    # Each threshold was crossed at its own instant (a scan that comes late records them
    # where they belong, before a breach at the deadline), never later than now.
    warned_at = tuple(min(at, state.due_at) for _p, at in crossed)
    breached = now >= state.due_at
    if breached:  # nothing left to alert on: one copy of the state
        new = _evolve(state, status=BREACHED, breached_at=state.due_at, next_alert_at=None,
                      warned_percent=warned[-1] if warned else state.warned_percent)
        return ScanOutcome(new, warned, True, capped, warned_at)
    new = _evolve(state, warned_percent=warned[-1]) if warned else state
    return ScanOutcome(_with_alert(new, rules), warned, False, capped, warned_at)
