"""The SLA clock engine's shell: what happens to a ticket's clocks when something happens to it.

The rules live in `clock_state` (pure functions over a clock's state); this module loads the
rows, calls them, and writes the result. Ticket services call these (tickets → sla); `sla`
never imports, queries or writes tickets' tables. Each `clocks_*` call:

1. locks the ticket's clock rows (`clocks_lock`: the caller already holds the ticket's row
   lock — see the lock order there), so two events on one ticket apply one after the other;
2. turns each row into a `ClockState` and applies a pure transition (checkpoint business time,
   change status, due_at and `next_alert_at`);
3. writes the ledger: closes the open segment of each changed clock and opens a new one with
   `due_at_before` / `due_at_after` and the transition's note;
4. returns the ticket's new deadlines (`TicketDeadlines`) as a value: the tickets service
   writes its own row, once per event, with everything else that changed.

Rules chosen where the issue leaves a choice (also on the policy page's help):

* Met or breached: a clock stopped by the event it waits for at or before `due_at` is **met**.
  Later, it is **breached** with `breached_at = due_at` (when it breached) and `met_at = at`
  (when it was finally answered). A clock the breach scan already flagged (`breached_at` set)
  also ends as breached.
* Pauses: "waiting on the customer" always pauses; "on hold" pauses only when the policy's
  `pause_on_hold` is on. Which ticket status pauses for which reason is tickets' mapping
  (`tickets.workflow.PAUSE_REASON`); the caller passes the reason. With
  `SupportPolicy.max_pause`, the part of a pause beyond the cap counts as running time.
* Resolve: resolution is met (or breached); other open clocks become `stopped` (or breached
  if already past due).
* A deadline that is already behind us is recorded as due at the moment the change was made,
  and the ledger says by how much the clock is over.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from tenants.bulk import columns_of, select_joined

from . import clock_state as core
from .clock_rows import STATE_FIELDS, rules_of, state_apply, state_of
from .clock_state import ClockRules, TicketDeadlines, Transition
from .durations import format_duration
from .models import (
    Calendar,
    ClockSegment,
    ClockStatus,
    Metric,
    Plan,
    Priority,
    SegmentKind,
    SlaClock,
    SupportPolicy,
    Target,
)
from .ports import SlaTicket

if TYPE_CHECKING:
    from tenants.models import Tenant

OPEN_STATUSES = (ClockStatus.RUNNING, ClockStatus.PAUSED)
PAUSE_NOTES = core.PAUSE_NOTES
# Clocks started with the ticket; next response starts at a customer message after the first
# response.
START_METRICS = (Metric.FIRST_RESPONSE, Metric.RESOLUTION)


def _rules(clock: SlaClock) -> ClockRules:
    return rules_of(clock.target)


@dataclass
class _Ledger:
    """Collects one event's transitions and writes them in a few statements."""

    tenant: Tenant
    at: datetime
    changed: dict[int, SlaClock] = field(default_factory=dict)
    created: list[SlaClock] = field(default_factory=list)
    segments: list[tuple[SlaClock, Transition]] = field(default_factory=list)

    def apply(self, clock: SlaClock, transition: Transition) -> None:
        state_apply(clock, transition.state)
        clock.updated_at = timezone.now()  # bulk writes do not apply auto_now
        if clock.pk is None:
            if all(c is not clock for c in self.created):
                self.created.append(clock)
        else:
            self.changed[clock.pk] = clock
        self.segments.append((clock, transition))

    def clocks(self) -> list[SlaClock]:
        return [*self.changed.values(), *self.created]

    def flush(self) -> None:
        if self.changed:
            self._close_open_segments()
            SlaClock.objects.bulk_update(
                list(self.changed.values()), ["target", *STATE_FIELDS, "updated_at"]
            )
        if self.created:
            SlaClock.objects.bulk_create(self.created)
        if self.segments:
            ClockSegment.objects.bulk_create(
                ClockSegment(
                    tenant=self.tenant, clock=clock, kind=t.segment_kind, started_at=self.at,
                    ended_at=self.at if t.segment_kind == SegmentKind.STOPPED else None,
                    due_at_before=t.due_before, due_at_after=t.state.due_at, note=t.note[:300],
                )  # fmt: skip
                for clock, t in self.segments
            )

    def _close_open_segments(self) -> None:
        open_segments = list(
            ClockSegment.objects.for_tenant(self.tenant).filter(
                clock__in=list(self.changed.values()), ended_at__isnull=True
            )
        )
        for segment in open_segments:
            segment.ended_at = max(self.at, segment.started_at)
            if segment.kind == SegmentKind.RUNNING:
                calendar = self.changed[segment.clock_id].target.calendar.as_business_calendar()
                segment.business_time = calendar.business_time_between(
                    segment.started_at, segment.ended_at
                )
        ClockSegment.objects.bulk_update(open_segments, ["ended_at", "business_time"])


def clocks_lock(*, tenant: Tenant, ticket_id: int) -> list[SlaClock]:
    """Lock a ticket's clocks, in ascending id order.

    THE LOCK ORDER (the same everywhere, so ticket events and the recompute job cannot
    deadlock): first the ticket row(s), ascending id — tickets' `ticket_lock` for an event,
    `TicketRows.lock` for a recompute chunk — then their clocks, ascending id. Every
    `clocks_*` service below is called with the ticket's row already locked.
    """
    return list(
        SlaClock.objects.for_tenant(tenant)
        .filter(ticket_id=ticket_id)
        .select_related("target__calendar", "target__policy", "target__priority")
        .select_for_update(of=("self",))
        .order_by("pk")
    )


def _apply(
    *, tenant: Tenant, ticket: SlaTicket, at: datetime,
    change: Callable[[list[SlaClock], _Ledger], None],
) -> TicketDeadlines:  # fmt: skip
    # savepoint=False: inside the caller's transaction (the usual case) no SAVEPOINT round trips;
    # an error rolls the caller's whole event back, which is what it wants anyway.
    with transaction.atomic(savepoint=False):
        clocks = clocks_lock(tenant=tenant, ticket_id=ticket.pk)
        ledger = _Ledger(tenant=tenant, at=at)
        change(clocks, ledger)
        ledger.flush()
    every = {id(c): c for c in [*clocks, *ledger.created]}.values()
    return core.ticket_deadlines((state_of(c) for c in every), now=timezone.now())


# --------------------------------------------------------------------------- the contract


@dataclass(frozen=True)
class ClockPlan:
    """The clocks a new ticket will start with, planned before its row is written, so the
    row is inserted once with its policy and deadlines (`clocks_start` then inserts them)."""

    policy: SupportPolicy | None
    starts: tuple[tuple[Target, Transition], ...]
    deadlines: TicketDeadlines
    at: datetime


def clocks_plan(*, tenant: Tenant, plan: Plan, priority: Priority, at: datetime) -> ClockPlan:
    """First-response and resolution clocks under the policy version in force at `at`.

    No policy yet: no clocks (and `policy` None). A metric without a target for the priority
    simply gets no clock.
    """
    policy, targets = _policy_and_start_targets(tenant=tenant, plan=plan, priority=priority, at=at)
    if policy is None:
        return ClockPlan(None, (), TicketDeadlines(), at)
    policy.plan = plan  # named in the ledger notes: no query for it
    starts = []
    for target in targets:
        note = (
            f"Started: {format_duration(target.duration)} on calendar '{target.calendar.name}' "
            f"({policy}, priority {priority.label})"
        )
        transition = core.start(
            rules_of(target), metric=target.metric, duration=target.duration, at=at, note=note
        )
        starts.append((target, transition))
    deadlines = core.ticket_deadlines((t.state for _, t in starts), now=timezone.now())
    return ClockPlan(policy, tuple(starts), deadlines, at)


_PLAN_SQL = """
WITH policy AS (
    SELECT {policy} FROM {policy_table} p
    WHERE p.tenant_id = %(tenant)s AND p.plan_id = %(plan)s AND p.effective_from <= %(at)s
    ORDER BY p.effective_from DESC
    LIMIT 1
)
SELECT {policy}, {target}, {calendar}
FROM policy p
LEFT JOIN {target_table} t ON t.tenant_id = %(tenant)s AND t.policy_id = p.id
    AND t.priority_id = %(priority)s AND t.metric = ANY(%(metrics)s)
LEFT JOIN {calendar_table} c ON c.tenant_id = %(tenant)s AND c.id = t.calendar_id
ORDER BY t.metric
"""


@lru_cache(maxsize=1)
def _plan_sql() -> str:
    return _PLAN_SQL.format(
        policy=columns_of(SupportPolicy, "p"),
        policy_table=SupportPolicy._meta.db_table, target=columns_of(Target, "t"),
        target_table=Target._meta.db_table, calendar=columns_of(Calendar, "c"),
        calendar_table=Calendar._meta.db_table,
    )  # fmt: skip


def _policy_and_start_targets(
    *, tenant: Tenant, plan: Plan, priority: Priority, at: datetime
) -> tuple[SupportPolicy | None, list[Target]]:
    """`policy_in_force` and the policy's targets for the priority's starting metrics, with
    their calendars, in one statement: read for every new ticket, where the ORM's compilation
    of the two queries cost more than running them. Fresh each time (no cache to go stale)."""
    rows = select_joined(
        (SupportPolicy, Target, Calendar),
        _plan_sql(),
        {"tenant": tenant.pk, "plan": plan.pk, "at": at, "priority": priority.pk,
         "metrics": [str(m) for m in START_METRICS]},
    )  # fmt: skip
    if not rows:
        return None, []
    policy = rows[0][0]
    targets = []
    for _policy, target, calendar in rows:
        if target is not None:
            target.policy, target.calendar = policy, calendar  # no query per target
            targets.append(target)
    return policy, targets


def clocks_start(*, tenant: Tenant, ticket_id: int, clock_plan: ClockPlan) -> TicketDeadlines:
    """Insert the planned clocks of a new ticket (its row exists, with the plan's deadlines)."""
    ledger = _Ledger(tenant=tenant, at=clock_plan.at)
    for target, transition in clock_plan.starts:
        clock = SlaClock(tenant=tenant, ticket_id=ticket_id, metric=target.metric, target=target)
        ledger.apply(clock, transition)
    with transaction.atomic(savepoint=False):
        ledger.flush()
    return clock_plan.deadlines


def _new_clock(*, tenant: Tenant, ticket: SlaTicket, target: Target, at: datetime) -> SlaClock:
    """An unsaved running clock (the ledger inserts it)."""
    clock = SlaClock(tenant=tenant, ticket_id=ticket.pk, metric=target.metric, target=target)
    started = core.start(rules_of(target), metric=target.metric, duration=target.duration,
                         at=at, note="")  # fmt: skip
    state_apply(clock, started.state)
    return clock


def clocks_on_agent_public_reply(
    *, tenant: Tenant, ticket: SlaTicket, at: datetime
) -> TicketDeadlines:
    """An agent's public reply meets first response (once) and the open next response."""

    def change(clocks: list[SlaClock], ledger: _Ledger) -> None:
        for clock in clocks:
            if not _answerable(clock):
                continue
            if clock.metric == Metric.FIRST_RESPONSE:
                why = "Agent's first public reply"
            elif clock.metric == Metric.NEXT_RESPONSE:
                why = "Agent's public reply"
            else:
                continue
            ledger.apply(clock, core.finish(state_of(clock), _rules(clock), at,
                                            met_status=ClockStatus.MET, why=why))  # fmt: skip

    return _apply(tenant=tenant, ticket=ticket, at=at, change=change)


def _answerable(clock: SlaClock) -> bool:
    """Open, or breached by the scan and not answered yet (the answer still records met_at)."""
    if clock.status in OPEN_STATUSES:
        return True
    return clock.status == ClockStatus.BREACHED and clock.met_at is None


def _first_response_done(clocks: list[SlaClock], ticket: SlaTicket) -> bool:
    for clock in clocks:
        if clock.metric == Metric.FIRST_RESPONSE:
            return clock.met_at is not None
    return ticket.first_responded_at is not None


def _policy_of(tenant: Tenant, ticket: SlaTicket, clocks: list[SlaClock]) -> SupportPolicy | None:
    """The ticket's policy version: the one its clocks run under, else `ticket.policy`."""
    for clock in clocks:
        return clock.target.policy
    if ticket.policy_id is None:
        return None
    return SupportPolicy.objects.for_tenant(tenant).filter(pk=ticket.policy_id).first()


def clocks_on_customer_message(
    *, tenant: Tenant, ticket: SlaTicket, at: datetime
) -> TicketDeadlines:
    """A customer message resumes clocks waiting on the customer and (re)starts next response.

    Next response starts only once the first response has been given; a running next-response
    clock is left alone (the customer writing twice does not push the deadline back).
    """

    def change(clocks: list[SlaClock], ledger: _Ledger) -> None:
        for clock in clocks:
            if clock.status == ClockStatus.PAUSED and (
                clock.pause_kind == SegmentKind.PAUSED_CUSTOMER
            ):
                ledger.apply(clock, core.resume(state_of(clock), _rules(clock), at,
                                                "Resumed: the customer replied"))  # fmt: skip
        if _first_response_done(clocks, ticket):
            _next_response_cycle(tenant, ticket, clocks, at, ledger)

    return _apply(tenant=tenant, ticket=ticket, at=at, change=change)


def _next_response_cycle(
    tenant: Tenant, ticket: SlaTicket, clocks: list[SlaClock], at: datetime, ledger: _Ledger
) -> None:
    current = next((c for c in clocks if c.metric == Metric.NEXT_RESPONSE), None)
    if current is not None and current.status in OPEN_STATUSES:
        return
    policy = _policy_of(tenant, ticket, clocks)
    if policy is None:
        return
    target = (
        Target.objects.for_tenant(tenant)
        .filter(policy=policy, priority_id=ticket.priority_id, metric=Metric.NEXT_RESPONSE)
        .select_related("calendar", "policy", "priority")
        .first()
    )
    if target is None:
        return
    if current is None:
        note = f"Started: next response, {format_duration(target.duration)}"
        started = core.start(rules_of(target), metric=target.metric, duration=target.duration,
                             at=at, note=note)  # fmt: skip
        clock = SlaClock(tenant=tenant, ticket_id=ticket.pk, metric=target.metric, target=target)
        ledger.apply(clock, started)
        return
    current.target = target
    ledger.apply(current, core.restart_cycle(state_of(current), rules_of(target), at,
                                             target.duration))  # fmt: skip


def clocks_pause(
    *, tenant: Tenant, ticket: SlaTicket, at: datetime, reason: str
) -> TicketDeadlines:
    """Pause running clocks (`reason`: SegmentKind.PAUSED_CUSTOMER or PAUSED_HOLD)."""
    if reason not in PAUSE_NOTES:
        raise ValueError(f"not a pause reason: {reason!r}")

    def change(clocks: list[SlaClock], ledger: _Ledger) -> None:
        for clock in clocks:
            if clock.status != ClockStatus.RUNNING:
                continue
            rules = _rules(clock)
            if reason == SegmentKind.PAUSED_HOLD and not rules.pause_on_hold:
                continue  # this policy keeps counting while the provider holds the ticket
            ledger.apply(clock, core.pause(state_of(clock), rules, at, reason))

    return _apply(tenant=tenant, ticket=ticket, at=at, change=change)


def clocks_resume(
    *, tenant: Tenant, ticket: SlaTicket, at: datetime, why: str = "Resumed"
) -> TicketDeadlines:
    """Resume every paused clock (the ticket is back to open); `why` is the ledger's note."""

    def change(clocks: list[SlaClock], ledger: _Ledger) -> None:
        for clock in clocks:
            if clock.status == ClockStatus.PAUSED:
                ledger.apply(clock, core.resume(state_of(clock), _rules(clock), at, why))

    return _apply(tenant=tenant, ticket=ticket, at=at, change=change)


def clocks_on_resolve(*, tenant: Tenant, ticket: SlaTicket, at: datetime) -> TicketDeadlines:
    def change(clocks: list[SlaClock], ledger: _Ledger) -> None:
        for clock in clocks:
            if not _answerable(clock):
                continue
            met = ClockStatus.MET if clock.metric == Metric.RESOLUTION else ClockStatus.STOPPED
            ledger.apply(clock, core.finish(state_of(clock), _rules(clock), at, met_status=met,
                                            why="Ticket resolved"))  # fmt: skip

    return _apply(tenant=tenant, ticket=ticket, at=at, change=change)


def clocks_on_reopen(*, tenant: Tenant, ticket: SlaTicket, at: datetime) -> TicketDeadlines:
    """Resolution carries on from where it stopped: the business time consumed is kept."""

    def change(clocks: list[SlaClock], ledger: _Ledger) -> None:
        for clock in clocks:
            if clock.metric != Metric.RESOLUTION or clock.status in OPEN_STATUSES:
                continue
            ledger.apply(clock, core.reopen(state_of(clock), _rules(clock), at))

    return _apply(tenant=tenant, ticket=ticket, at=at, change=change)


def clocks_on_priority_change(
    *, tenant: Tenant, ticket: SlaTicket, priority: Priority, at: datetime, pause_reason: str = ""
) -> TicketDeadlines:
    """Move the ticket's clocks to the new priority's targets under the same policy version.

    `pause_reason`: why the ticket's status pauses its clocks right now ("" when it does
    not) — tickets owns the status → pause mapping.

    * An open clock whose metric the new priority has a target for is retargeted: the business
      time consumed is kept, the deadline follows the new duration.
    * An open clock whose metric the new priority has no target for is stopped.
    * A metric only the new priority has a target for gets a clock started at the change
      (not back-dated to the ticket's creation: the promise begins when it is made), paused if
      the ticket's clocks are paused. A clock an earlier priority change stopped is resumed
      instead (one clock per metric), keeping what it had consumed. Only the metrics a ticket
      starts with, and only while still owed: no first-response clock once an agent has
      answered, no resolution clock on a resolved ticket. Next response keeps starting at the
      customer's next message, under the ticket's (new) priority.
    """

    def change(clocks: list[SlaClock], ledger: _Ledger) -> None:
        policy = _policy_of(tenant, ticket, clocks)
        if policy is None:
            return
        targets = {
            t.metric: t
            for t in Target.objects.for_tenant(tenant)
            .filter(policy=policy, priority=priority)
            .select_related("calendar", "policy", "priority")
        }
        for clock in clocks:
            if clock.status in OPEN_STATUSES:
                _retarget(clock, targets.get(clock.metric), priority, at, ledger)
        by_metric = {clock.metric: clock for clock in clocks}
        paused = _pause_kind_now(clocks, pause_reason, policy)
        for metric in START_METRICS:
            target, clock = targets.get(metric), by_metric.get(metric)
            if target is None or not _still_owed(metric, clocks, ticket):
                continue
            if clock is None:
                clock = _new_clock(tenant=tenant, ticket=ticket, target=target, at=at)
                _bring_in(clock, target, priority, paused, at, ledger, revived=False)
            elif clock.status == ClockStatus.STOPPED:
                _bring_in(clock, target, priority, paused, at, ledger, revived=True)

    return _apply(tenant=tenant, ticket=ticket, at=at, change=change)


def _still_owed(metric: str, clocks: list[SlaClock], ticket: SlaTicket) -> bool:
    if metric == Metric.FIRST_RESPONSE:
        stopped = any(c.metric == metric and c.status == ClockStatus.STOPPED for c in clocks)
        if stopped:  # stopped without an answer (met_at is when it stopped): ask the ticket
            return ticket.first_responded_at is None
        return not _first_response_done(clocks, ticket)
    # Resolution: not once the ticket is resolved or closed.
    return ticket.resolved_at is None and ticket.closed_at is None


def _pause_kind_now(clocks: list[SlaClock], pause_reason: str, policy: SupportPolicy) -> str:
    """Why the ticket's clocks are paused right now ("" when they run)."""
    for clock in clocks:
        if clock.status == ClockStatus.PAUSED:
            return clock.pause_kind
    if pause_reason == SegmentKind.PAUSED_HOLD and not policy.pause_on_hold:
        return ""
    return pause_reason


def _bring_in(
    clock: SlaClock, target: Target, priority: Priority, paused: str, at: datetime,
    ledger: _Ledger, *, revived: bool,
) -> None:  # fmt: skip
    """Make a new (or priority-stopped) clock count under `target` from `at`."""
    what = f"{target.get_metric_display().lower()} target {format_duration(target.duration)}"
    if revived:
        note = (
            f"Resumed: priority changed to {priority.label}, {what}; "
            f"{format_duration(clock.consumed)} consumed before it stopped kept"
        )
    else:
        note = (
            f"Started: priority changed to {priority.label}, {what} on calendar "
            f"'{target.calendar.name}' ({target.policy}), counted from the change"
        )
    clock.target = target
    transition = core.bring_in(
        state_of(clock), rules_of(target), at, duration=target.duration, paused=paused,
        revived=revived, note=note,
    )  # fmt: skip
    ledger.apply(clock, transition)


def _retarget(
    clock: SlaClock, target: Target | None, priority: Priority, at: datetime, ledger: _Ledger
) -> None:
    old = clock.target
    if target is None:
        ledger.apply(clock, core.finish(
            state_of(clock), rules_of(old), at, met_status=ClockStatus.STOPPED,
            why=f"Priority changed to {priority.label}: no target for this metric",
        ))  # fmt: skip
        return
    checked = core.checkpoint(state_of(clock), rules_of(old), at)
    note = (
        f"Retargeted: priority {old.priority.label} → {priority.label}, target "
        f"{format_duration(old.duration)} → {format_duration(target.duration)}; "
        f"{format_duration(checked.consumed)} consumed kept"
    )
    clock.target = target
    ledger.apply(clock, core.retarget(checked, rules_of(old), rules_of(target), at,
                                      duration=target.duration, note=note))  # fmt: skip
