"""The breach scan's writes to clocks (sla owns them), in bulk.

The scan (escalation/breach_scan.py) claims due clocks with
`selectors.clocks_claim_due_cross_tenant` (rows locked, SKIP LOCKED), then hands the outcomes
here:

- `clocks_scan_apply`: ONE UPDATE of every changed clock (joined to the new states, COPYed
  into a temporary table), guarded by `next_alert_at` and `status` being as claimed (a
  clock another writer moved is left alone and reported as not applied), the ledger rows
  of the clocks whose pause cap ended and of the breaches, and the affected tickets per
  tenant.
- `clocks_deadlines_cross_tenant`: what each ticket's row should show of its clocks now
  (one read; tickets write their own rows).
- `recompute_jobs_fail_dead_cross_tenant`: a recompute whose worker died too often is failed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Q

from tenants.bulk import copy_rows, fetch_binary, temp_rows

from . import clock_state as core
from .clock_rows import POSITIONAL_FIELDS
from .clock_state import ClockState, TicketDeadlines
from .models import ClockSegment, RecomputeJob, SegmentKind, SlaClock
from .recompute import LEASE, MAX_ATTEMPTS

if TYPE_CHECKING:
    from .selectors import DueClock


_APPLY_COLUMNS = (
    ("id", "int8"), ("status", "varchar"), ("due_at", "timestamptz"),
    ("consumed", "interval"), ("consumed_as_of", "timestamptz"),
    ("breached_at", "timestamptz"), ("warned", "int2"), ("paused_at", "timestamptz"),
    ("pause_kind", "varchar"), ("next_alert_at", "timestamptz"),
    ("alert_before", "timestamptz"), ("status_before", "varchar"),
)  # fmt: skip


@dataclass
class ScanApplied:
    """The claimed clocks whose new state was written, and their tickets per tenant."""

    applied: list[DueClock] = field(default_factory=list)
    skipped: int = 0
    tickets: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))


def clocks_scan_apply(*, due: Sequence[DueClock], now: datetime) -> ScanApplied:
    """Write the scan's outcomes for clocks the caller claimed (inside its transaction).

    Claim-then-conditional-update: the UPDATE only writes a clock whose `next_alert_at` and
    `status` are still what the claim read, and returns the ids it wrote. Only those are
    reported as applied, so a warning or breach is recorded (and escalated) once per clock,
    cycle and threshold, whichever scan gets there first.
    """
    result = ScanApplied()
    changed = [d for d in due if d.outcome.state != d.state]
    if not changed:
        return result
    values = temp_rows(prefix="scan_clock", columns=_APPLY_COLUMNS, rows=(
        (d.clock.pk, n.status, n.due_at, n.consumed, n.consumed_as_of, n.breached_at,
         n.warned_percent, n.paused_at, n.pause_kind, n.next_alert_at, d.clock.next_alert_at,
         d.clock.status)
        for d in changed
        for n in (d.outcome.state,)
    ))  # fmt: skip
    table = SlaClock._meta.db_table
    sql = f"""
        UPDATE {table} AS c
           SET status = v.status, due_at = v.due_at, consumed = v.consumed,
               consumed_as_of = v.consumed_as_of, breached_at = v.breached_at,
               warned_percent = v.warned, paused_at = v.paused_at, pause_kind = v.pause_kind,
               next_alert_at = v.next_alert_at, updated_at = %s
          FROM {values} AS v
         WHERE c.id = v.id
           AND c.next_alert_at IS NOT DISTINCT FROM v.alert_before
           AND c.status = v.status_before
     RETURNING c.id
    """  # noqa: S608 - our own tables; every value is a parameter or COPYed
    written = {row[0] for row in fetch_binary(sql, [now])}
    result.applied = [d for d in changed if d.clock.pk in written]
    result.skipped = len(changed) - len(result.applied)
    for d in result.applied:
        result.tickets[d.clock.tenant_id].add(d.clock.ticket_id)
    _write_ledger(result.applied, now)
    return result


def _write_ledger(applied: list[DueClock], now: datetime) -> None:
    """A clock whose pause cap ended: its pause segment closes at the cap and a running one
    opens there. A breach: a point entry at the deadline. Two statements for the batch (the
    second a COPY: no model instances for thousands of rows)."""
    capped = [d for d in applied if d.outcome.capped]
    if capped:
        ClockSegment.objects.cross_tenant().filter(
            clock_id__in=[d.clock.pk for d in capped], ended_at__isnull=True
        ).update(ended_at=now)
    rows = []
    for d in applied:
        clock, new = d.clock, d.outcome.state
        if d.outcome.capped:
            rows.append((clock.tenant_id, clock.pk, SegmentKind.RUNNING, now, None, None,
                         new.due_at, core.PAUSE_CAP_NOTE, now))  # fmt: skip
        if d.outcome.breached:
            rows.append((clock.tenant_id, clock.pk, SegmentKind.RUNNING, new.breached_at,
                         new.breached_at, new.breached_at, None, BREACH_NOTE, now))  # fmt: skip
    copy_rows(table=ClockSegment._meta.db_table, columns=_SEGMENT_COLUMNS, rows=rows)


_SEGMENT_COLUMNS = (
    ("tenant_id", "int8"), ("clock_id", "int8"), ("kind", "varchar"),
    ("started_at", "timestamptz"), ("ended_at", "timestamptz"),
    ("due_at_before", "timestamptz"), ("due_at_after", "timestamptz"), ("note", "varchar"),
    ("created_at", "timestamptz"),
)  # fmt: skip
BREACH_NOTE = "Breached: the deadline passed"
_DEADLINES_SQL = f"""
    SELECT ticket_id, metric,
           {", ".join(SlaClock._meta.get_field(n).column for n in POSITIONAL_FIELDS)}
      FROM {SlaClock._meta.db_table} WHERE ticket_id = ANY(%s)
"""  # noqa: S608 - our own table; the ids are a parameter


def clocks_deadlines_cross_tenant(
    *, ticket_ids: Sequence[int], now: datetime
) -> dict[int, TicketDeadlines]:
    """Each ticket's deadline columns as its clocks give them now, for tickets of any tenants
    (ids are global; the caller got them from clocks it claimed). One query."""
    states: dict[int, list[ClockState]] = {ticket_id: [] for ticket_id in ticket_ids}
    rows = fetch_binary(_DEADLINES_SQL, [sorted(ticket_ids)]) if ticket_ids else []
    for ticket_id, metric, *values in rows:
        states[ticket_id].append(ClockState(metric, *values))
    return {t: core.ticket_deadlines(s, now=now) for t, s in states.items()}


def recompute_jobs_fail_dead_cross_tenant(*, now: datetime) -> int:
    """Fail running recompute jobs whose worker died and that were already taken over
    `MAX_ATTEMPTS` times: nobody would claim them again, so they would show 'running'
    forever. (Fewer takeovers: the pending sweeper hands them to a new worker.)"""
    dead = Q(heartbeat_at__lt=now - LEASE) | Q(heartbeat_at__isnull=True)
    return (
        RecomputeJob.objects.cross_tenant()
        .filter(dead, status=RecomputeJob.Status.RUNNING, attempts__gte=MAX_ATTEMPTS)
        .update(
            status=RecomputeJob.Status.FAILED, finished_at=now,
            error=f"Its worker stopped (no heartbeat for {LEASE}) after {MAX_ATTEMPTS} tries.",
        )  # fmt: skip
    )


__all__ = [
    "ScanApplied", "clocks_deadlines_cross_tenant", "clocks_scan_apply",
    "recompute_jobs_fail_dead_cross_tenant",
]  # fmt: skip
