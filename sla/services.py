"""The SLA clock engine: what happens to a ticket's clocks when something happens to the ticket.

Ticket services call these (tickets → sla); SLA never imports `tickets`. Each call:

1. locks the ticket's clock rows (`SELECT … FOR UPDATE`), so two events on one ticket apply
   one after the other;
2. checkpoints business time consumed, changes status and due_at;
3. writes the ledger: closes the open segment of each changed clock and opens a new one with
   `due_at_before` / `due_at_after` and a note saying why;
4. after commit of the clock rows, `sync_ticket_deadlines` rewrites the ticket's denormalised
   deadline columns in one UPDATE.

Clock arithmetic. `consumed` is the business time (on the target's calendar) consumed up to
`consumed_as_of`. A running clock's `due_at` is always
`calendar.add_business_time(consumed_as_of, target_duration - consumed)`, so pausing and
resuming never loses or invents time.

Rules chosen where the issue leaves a choice (also on the policy page's help):

* Met or breached: a clock stopped by the event it waits for at or before `due_at` is **met**.
  Later, it is **breached** with `breached_at = due_at` (when it breached) and `met_at = at`
  (when it was finally answered). A clock the breach scan already flagged (`breached_at` set)
  also ends as breached.
* Pauses: "waiting on the customer" always pauses; "on hold" pauses only when the policy's
  `pause_on_hold` is on. With `SupportPolicy.max_pause`, the part of a pause beyond the cap
  counts as running time: at resume the clock restarts as if it had resumed at
  `paused_at + max_pause`.
* Resolve: resolution is met (or breached); other open clocks become `stopped` (or breached
  if already past due).
* A deadline that is already behind us (a shorter target after a priority change, or a pause
  cap exceeded by more than the remaining time) is recorded as due at the moment the change
  was made, and the ledger says by how much the clock is over.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.utils import timezone

from .calendars import BusinessCalendar
from .durations import format_duration
from .models import (
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
from .selectors import policy_in_force

if TYPE_CHECKING:
    from tenants.models import Tenant

OPEN_STATUSES = (ClockStatus.RUNNING, ClockStatus.PAUSED)
PAUSE_NOTES = {
    SegmentKind.PAUSED_CUSTOMER: "Paused: waiting on the customer",
    SegmentKind.PAUSED_HOLD: "Paused: ticket on hold",
}
# Clocks started with the ticket; next response starts at a customer message after the first
# response.
START_METRICS = (Metric.FIRST_RESPONSE, Metric.RESOLUTION)


def ticket_model() -> Any:
    """The Ticket model, reached without importing `tickets` (imports point tickets → sla)."""
    return SlaClock._meta.get_field("ticket").related_model


def _calendar(clock: SlaClock) -> BusinessCalendar:
    return clock.target.calendar.as_business_calendar()


@dataclass
class _Ledger:
    """Collects one event's changes and writes them in three statements."""

    tenant: Tenant
    at: datetime
    changed: dict[int, SlaClock] = field(default_factory=dict)
    new_segments: list[ClockSegment] = field(default_factory=list)

    def record(
        self, clock: SlaClock, *, kind: str, due_before: datetime | None, note: str
    ) -> None:
        clock.updated_at = timezone.now()  # bulk_update does not apply auto_now
        self.changed[clock.pk] = clock
        self.new_segments.append(
            ClockSegment(
                tenant=self.tenant,
                clock=clock,
                kind=kind,
                started_at=self.at,
                ended_at=None if kind != SegmentKind.STOPPED else self.at,
                due_at_before=due_before,
                due_at_after=clock.due_at,
                note=note[:300],
            )
        )

    def flush(self) -> None:
        if not self.changed:
            return
        clocks = list(self.changed.values())
        open_segments = list(
            ClockSegment.objects.for_tenant(self.tenant).filter(
                clock__in=clocks, ended_at__isnull=True
            )
        )
        for segment in open_segments:
            segment.ended_at = max(self.at, segment.started_at)
            if segment.kind == SegmentKind.RUNNING:
                clock = self.changed[segment.clock_id]
                segment.business_time = _calendar(clock).business_time_between(
                    segment.started_at, segment.ended_at
                )
        ClockSegment.objects.bulk_update(open_segments, ["ended_at", "business_time"])
        SlaClock.objects.bulk_update(
            clocks,
            [
                "target", "status", "started_at", "due_at", "target_duration", "consumed",
                "consumed_as_of", "met_at", "breached_at", "cycle", "paused_at", "pause_kind",
                "warned_percent", "updated_at",
            ],
        )  # fmt: skip
        ClockSegment.objects.bulk_create(self.new_segments)


def _lock_clocks(*, tenant: Tenant, ticket_id: int) -> list[SlaClock]:
    return list(
        SlaClock.objects.for_tenant(tenant)
        .filter(ticket_id=ticket_id)
        .select_related("target__calendar", "target__policy")
        .select_for_update(of=("self",))
        .order_by("metric")
    )


def _apply(
    *, tenant: Tenant, ticket: Any, at: datetime, change: Callable[[list[SlaClock], _Ledger], None]
) -> None:
    with transaction.atomic():
        clocks = _lock_clocks(tenant=tenant, ticket_id=ticket.pk)
        ledger = _Ledger(tenant=tenant, at=at)
        change(clocks, ledger)
        ledger.flush()
        sync_ticket_deadlines(tenant=tenant, ticket_ids=[ticket.pk])


# --------------------------------------------------------------------------- clock arithmetic


def _checkpoint(clock: SlaClock, at: datetime) -> None:
    """Fold the business time consumed since the last checkpoint into `consumed`."""
    if clock.status == ClockStatus.RUNNING and at > clock.consumed_as_of:
        clock.consumed += _calendar(clock).business_time_between(clock.consumed_as_of, at)
        clock.consumed_as_of = at


def _run_from(clock: SlaClock, at: datetime) -> str:
    """Make the clock run from `at` with what is left of its target; return a note suffix."""
    clock.status = ClockStatus.RUNNING
    clock.consumed_as_of = at
    clock.paused_at = None
    clock.pause_kind = ""
    remaining = clock.target_duration - clock.consumed
    if remaining < timedelta(0):
        clock.due_at = at
        return f"; already {format_duration(-remaining)} over the target"
    clock.due_at = _calendar(clock).add_business_time(at, remaining)
    return f"; {format_duration(remaining)} left"


def _is_late(clock: SlaClock, at: datetime) -> bool:
    if clock.breached_at is not None:
        return True
    if clock.status == ClockStatus.RUNNING and clock.due_at is not None:
        return at > clock.due_at
    return clock.consumed > clock.target_duration


def _finish(clock: SlaClock, at: datetime, *, met_status: str, why: str, ledger: _Ledger) -> None:
    """Stop an open clock: met/stopped when on time, breached when late."""
    due_before = clock.due_at
    late = _is_late(clock, at)
    _checkpoint(clock, at)
    if late:
        clock.status = ClockStatus.BREACHED
        clock.breached_at = clock.breached_at or due_before or at
    else:
        clock.status = met_status
    clock.met_at = at
    clock.paused_at = None
    clock.pause_kind = ""
    verdict = "late: breached" if late else ("met" if met_status == ClockStatus.MET else "stopped")
    ledger.record(clock, kind=SegmentKind.STOPPED, due_before=due_before, note=f"{why} ({verdict})")


def _pause(clock: SlaClock, at: datetime, kind: str, ledger: _Ledger) -> None:
    due_before = clock.due_at
    _checkpoint(clock, at)
    clock.status = ClockStatus.PAUSED
    clock.paused_at = at
    clock.pause_kind = kind
    clock.due_at = None
    note = f"{PAUSE_NOTES[kind]}; {format_duration(clock.consumed)} consumed so far"
    ledger.record(clock, kind=kind, due_before=due_before, note=note)


def _resume(clock: SlaClock, at: datetime, why: str, ledger: _Ledger) -> None:
    cap = clock.target.policy.max_pause
    restart = at
    extra = ""
    if cap is not None and clock.paused_at is not None and at - clock.paused_at > cap:
        # The policy caps pauses: time past the cap counts as if the clock had been running.
        restart = clock.paused_at + cap
        extra = f"; pause exceeded the {format_duration(cap)} cap, the excess counts"
    suffix = _run_from(clock, restart)
    _checkpoint(clock, at)
    ledger.record(
        clock, kind=SegmentKind.RUNNING, due_before=None, note=f"{why}{extra}{suffix}"
    )


# --------------------------------------------------------------------------- the contract


def clocks_start(
    *, tenant: Tenant, ticket: Any, plan: Plan, priority: Priority, at: datetime
) -> SupportPolicy | None:
    """Start first-response and resolution clocks under the policy version in force at `at`.

    Returns that policy (the caller stores it on the ticket), or None when the plan has no
    policy yet. A metric without a target for the priority simply gets no clock.
    """
    policy = policy_in_force(tenant=tenant, plan=plan, at=at)
    if policy is None:
        return None
    targets = (
        Target.objects.for_tenant(tenant)
        .filter(policy=policy, priority=priority, metric__in=START_METRICS)
        .select_related("calendar", "policy")
    )
    with transaction.atomic():
        existing = set(
            SlaClock.objects.for_tenant(tenant)
            .filter(ticket_id=ticket.pk)
            .values_list("metric", flat=True)
        )
        ledger = _Ledger(tenant=tenant, at=at)
        for target in targets:
            if target.metric in existing:
                continue
            clock = _new_clock(tenant=tenant, ticket=ticket, target=target, at=at)
            ledger.record(
                clock, kind=SegmentKind.RUNNING, due_before=None,
                note=_start_note(target, policy, priority),
            )  # fmt: skip
        ledger.flush()
        sync_ticket_deadlines(tenant=tenant, ticket_ids=[ticket.pk])
    return policy


def _new_clock(*, tenant: Tenant, ticket: Any, target: Target, at: datetime) -> SlaClock:
    clock = SlaClock(
        tenant=tenant, ticket_id=ticket.pk, metric=target.metric, target=target,
        status=ClockStatus.RUNNING, started_at=at, target_duration=target.duration,
        consumed=timedelta(0), consumed_as_of=at,
    )  # fmt: skip
    clock.due_at = target.calendar.as_business_calendar().add_business_time(at, target.duration)
    clock.save(force_insert=True)
    return clock


def _start_note(target: Target, policy: SupportPolicy, priority: Priority) -> str:
    return (
        f"Started: {format_duration(target.duration)} on calendar '{target.calendar.name}' "
        f"({policy}, priority {priority.label})"
    )


def clocks_on_agent_public_reply(*, tenant: Tenant, ticket: Any, at: datetime) -> None:
    """An agent's public reply meets first response (once) and the open next response."""

    def change(clocks: list[SlaClock], ledger: _Ledger) -> None:
        for clock in clocks:
            if clock.status not in OPEN_STATUSES:
                continue
            if clock.metric == Metric.FIRST_RESPONSE:
                _finish(clock, at, met_status=ClockStatus.MET, why="Agent's first public reply",
                        ledger=ledger)  # fmt: skip
            elif clock.metric == Metric.NEXT_RESPONSE:
                _finish(clock, at, met_status=ClockStatus.MET, why="Agent's public reply",
                        ledger=ledger)  # fmt: skip

    _apply(tenant=tenant, ticket=ticket, at=at, change=change)


def _first_response_done(clocks: list[SlaClock], ticket: Any) -> bool:
    for clock in clocks:
        if clock.metric == Metric.FIRST_RESPONSE:
            return clock.met_at is not None
    return getattr(ticket, "first_responded_at", None) is not None


def _policy_of(tenant: Tenant, ticket: Any, clocks: list[SlaClock]) -> SupportPolicy | None:
    """The ticket's policy version: the one its clocks run under, else `ticket.policy`."""
    for clock in clocks:
        return clock.target.policy
    policy_id = getattr(ticket, "policy_id", None)
    if policy_id is None:
        return None
    return SupportPolicy.objects.for_tenant(tenant).filter(pk=policy_id).first()


def clocks_on_customer_message(*, tenant: Tenant, ticket: Any, at: datetime) -> None:
    """A customer message resumes clocks waiting on the customer and (re)starts next response.

    Next response starts only once the first response has been given; a running next-response
    clock is left alone (the customer writing twice does not push the deadline back).
    """

    def change(clocks: list[SlaClock], ledger: _Ledger) -> None:
        for clock in clocks:
            if clock.status == ClockStatus.PAUSED and (
                clock.pause_kind == SegmentKind.PAUSED_CUSTOMER
            ):
                _resume(clock, at, "Resumed: the customer replied", ledger)
        if _first_response_done(clocks, ticket):
            _next_response_cycle(tenant, ticket, clocks, at, ledger)

    _apply(tenant=tenant, ticket=ticket, at=at, change=change)


def _next_response_cycle(
    tenant: Tenant, ticket: Any, clocks: list[SlaClock], at: datetime, ledger: _Ledger
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
        .select_related("calendar", "policy")
        .first()
    )
    if target is None:
        return
    if current is None:
        current = _new_clock(tenant=tenant, ticket=ticket, target=target, at=at)
        note = f"Started: next response, {format_duration(target.duration)}"
        ledger.record(current, kind=SegmentKind.RUNNING, due_before=None, note=note)
        return
    due_before = current.due_at
    current.cycle += 1
    current.target = target
    current.target_duration = target.duration
    current.started_at = at
    current.consumed = timedelta(0)
    current.met_at = None
    current.breached_at = None
    current.warned_percent = 0
    _run_from(current, at)
    note = (
        f"Restarted (cycle {current.cycle}): customer message, "
        f"{format_duration(target.duration)}"
    )
    ledger.record(current, kind=SegmentKind.RUNNING, due_before=due_before, note=note)


def clocks_pause(*, tenant: Tenant, ticket: Any, at: datetime, reason: str) -> None:
    """Pause running clocks (`reason`: SegmentKind.PAUSED_CUSTOMER or PAUSED_HOLD)."""
    if reason not in PAUSE_NOTES:
        raise ValueError(f"not a pause reason: {reason!r}")

    def change(clocks: list[SlaClock], ledger: _Ledger) -> None:
        for clock in clocks:
            if clock.status != ClockStatus.RUNNING:
                continue
            if reason == SegmentKind.PAUSED_HOLD and not clock.target.policy.pause_on_hold:
                continue  # this policy keeps counting while the provider holds the ticket
            _pause(clock, at, reason, ledger)

    _apply(tenant=tenant, ticket=ticket, at=at, change=change)


def clocks_resume(*, tenant: Tenant, ticket: Any, at: datetime) -> None:
    """Resume every paused clock (the ticket is back to open)."""

    def change(clocks: list[SlaClock], ledger: _Ledger) -> None:
        for clock in clocks:
            if clock.status == ClockStatus.PAUSED:
                _resume(clock, at, "Resumed", ledger)

    _apply(tenant=tenant, ticket=ticket, at=at, change=change)


def clocks_on_resolve(*, tenant: Tenant, ticket: Any, at: datetime) -> None:
    def change(clocks: list[SlaClock], ledger: _Ledger) -> None:
        for clock in clocks:
            if clock.status not in OPEN_STATUSES:
                continue
            if clock.metric == Metric.RESOLUTION:
                _finish(clock, at, met_status=ClockStatus.MET, why="Ticket resolved",
                        ledger=ledger)  # fmt: skip
            else:
                _finish(clock, at, met_status=ClockStatus.STOPPED, why="Ticket resolved",
                        ledger=ledger)  # fmt: skip

    _apply(tenant=tenant, ticket=ticket, at=at, change=change)


def clocks_on_reopen(*, tenant: Tenant, ticket: Any, at: datetime) -> None:
    """Resolution carries on from where it stopped: the business time consumed is kept."""

    def change(clocks: list[SlaClock], ledger: _Ledger) -> None:
        for clock in clocks:
            if clock.metric != Metric.RESOLUTION or clock.status in OPEN_STATUSES:
                continue
            due_before = clock.due_at
            clock.met_at = None
            suffix = _run_from(clock, at)
            note = f"Resumed: ticket reopened, {format_duration(clock.consumed)} consumed kept"
            ledger.record(clock, kind=SegmentKind.RUNNING, due_before=due_before,
                          note=note + suffix)  # fmt: skip

    _apply(tenant=tenant, ticket=ticket, at=at, change=change)


def clocks_on_priority_change(
    *, tenant: Tenant, ticket: Any, priority: Priority, at: datetime
) -> None:
    """Move the ticket's clocks to the new priority's targets under the same policy version.

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
            .select_related("calendar", "policy")
        }
        for clock in clocks:
            if clock.status in OPEN_STATUSES:
                _retarget(clock, targets.get(clock.metric), priority, at, ledger)
        by_metric = {clock.metric: clock for clock in clocks}
        paused = _pause_kind_now(clocks, ticket, policy)
        for metric in START_METRICS:
            target, clock = targets.get(metric), by_metric.get(metric)
            if target is None or not _still_owed(metric, clocks, ticket):
                continue
            if clock is None:
                clock = _new_clock(tenant=tenant, ticket=ticket, target=target, at=at)
                _bring_in(clock, target, priority, paused, at, ledger, revived=False)
            elif clock.status == ClockStatus.STOPPED:
                _bring_in(clock, target, priority, paused, at, ledger, revived=True)

    _apply(tenant=tenant, ticket=ticket, at=at, change=change)


# The ticket statuses (tickets.models.Status values) whose clocks are paused, and why. The
# tickets app owns the statuses; sla only reads the value, as it reads `first_responded_at`.
TICKET_STATUS_PAUSES = {
    "pending_customer": SegmentKind.PAUSED_CUSTOMER,
    "on_hold": SegmentKind.PAUSED_HOLD,
}


def _still_owed(metric: str, clocks: list[SlaClock], ticket: Any) -> bool:
    if metric == Metric.FIRST_RESPONSE:
        stopped = any(c.metric == metric and c.status == ClockStatus.STOPPED for c in clocks)
        if stopped:  # stopped without an answer (met_at is when it stopped): ask the ticket
            return getattr(ticket, "first_responded_at", None) is None
        return not _first_response_done(clocks, ticket)
    # Resolution: not once the ticket is resolved or closed.
    return getattr(ticket, "resolved_at", None) is None and (
        getattr(ticket, "closed_at", None) is None
    )


def _pause_kind_now(clocks: list[SlaClock], ticket: Any, policy: SupportPolicy) -> str:
    """Why the ticket's clocks are paused right now ("" when they run)."""
    for clock in clocks:
        if clock.status == ClockStatus.PAUSED:
            return clock.pause_kind
    kind = TICKET_STATUS_PAUSES.get(getattr(ticket, "status", ""), "")
    if kind == SegmentKind.PAUSED_HOLD and not policy.pause_on_hold:
        return ""
    return kind


def _bring_in(
    clock: SlaClock,
    target: Target,
    priority: Priority,
    paused: str,
    at: datetime,
    ledger: _Ledger,
    *,
    revived: bool,
) -> None:
    """Make a new (or priority-stopped) clock count under `target` from `at`."""
    due_before = None if not revived else clock.due_at
    clock.target, clock.target_duration = target, target.duration
    clock.met_at = None
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
    if paused:
        # Comes into a paused ticket: it waits with the ticket's other clocks.
        clock.status, clock.paused_at, clock.pause_kind = ClockStatus.PAUSED, at, paused
        clock.due_at, clock.consumed_as_of = None, at
        ledger.record(clock, kind=paused, due_before=due_before,
                      note=f"{note}; {PAUSE_NOTES[paused].lower()}")  # fmt: skip
        return
    note += _run_from(clock, at) if revived else ""
    ledger.record(clock, kind=SegmentKind.RUNNING, due_before=due_before, note=note)


def _retarget(
    clock: SlaClock, target: Target | None, priority: Priority, at: datetime, ledger: _Ledger
) -> None:
    old = clock.target
    if target is None:
        _finish(clock, at, met_status=ClockStatus.STOPPED,
                why=f"Priority changed to {priority.label}: no target for this metric",
                ledger=ledger)  # fmt: skip
        return
    due_before = clock.due_at
    _checkpoint(clock, at)
    clock.target = target
    clock.target_duration = target.duration
    note = (
        f"Retargeted: priority {old.priority.label} → {priority.label}, target "
        f"{format_duration(old.duration)} → {format_duration(target.duration)}; "
        f"{format_duration(clock.consumed)} consumed kept"
    )
    if clock.status == ClockStatus.RUNNING:
        note += _run_from(clock, at)
    kind = SegmentKind.RUNNING if clock.status == ClockStatus.RUNNING else clock.pause_kind
    ledger.record(clock, kind=kind, due_before=due_before, note=note)


def sync_ticket_deadlines(*, tenant: Tenant, ticket_ids: Iterable[int]) -> int:
    """Rewrite the tickets' denormalised deadline columns from their clocks in one UPDATE.

    first_response_due_at / resolution_due_at: that clock's due_at while it runs, else null;
    next_due_at: the nearest due_at of a running clock; is_breached: a clock has breached
    (status or `breached_at`), or a running clock is past due now. One aggregate over the
    clocks of all the tickets (not a subquery per ticket), and rows already right are not
    rewritten: the recompute of 150k clocks syncs their tickets in chunks of thousands.
    """
    ids = list(ticket_ids)
    if not ids:
        return 0
    tickets = ticket_model()._meta.db_table
    clocks = SlaClock._meta.db_table
    sql = f"""
        UPDATE {tickets} AS t
           SET first_response_due_at = a.first_response, resolution_due_at = a.resolution,
               next_due_at = a.nearest, is_breached = a.breached
          FROM (
            SELECT i.id,
                   min(c.due_at) FILTER (WHERE c.status = 'running'
                                           AND c.metric = 'first_response') AS first_response,
                   min(c.due_at) FILTER (WHERE c.status = 'running'
                                           AND c.metric = 'resolution') AS resolution,
                   min(c.due_at) FILTER (WHERE c.status = 'running') AS nearest,
                   coalesce(bool_or(c.status = 'breached' OR c.breached_at IS NOT NULL
                                    OR (c.status = 'running' AND c.due_at < %s)), false)
                       AS breached
              FROM unnest(%s::bigint[]) AS i(id)
              LEFT JOIN {clocks} AS c
                     ON c.ticket_id = i.id AND c.tenant_id = %s AND c.ticket_id = ANY(%s)
             GROUP BY i.id
          ) AS a
         WHERE t.id = a.id AND t.tenant_id = %s
           AND (t.first_response_due_at, t.resolution_due_at, t.next_due_at, t.is_breached)
               IS DISTINCT FROM (a.first_response, a.resolution, a.nearest, a.breached)
    """  # noqa: S608 - table names are ours; every value is a parameter
    with connection.cursor() as cursor:
        # `ticket_id = ANY(ids)` twice: it lets the planner use the clocks' ticket index
        # instead of hashing every clock of the tenant for each chunk.
        cursor.execute(sql, [timezone.now(), ids, tenant.pk, ids, tenant.pk])
        return cursor.rowcount
