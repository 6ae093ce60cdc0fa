"""The SLA breach scan: warnings, breaches and pause caps of due clocks, every tenant at once.

Run by Celery beat every `SLA_SCAN_SECONDS` (escalation.tasks.sla_scan) and by
`python manage.py sla_scan`. Each batch is ONE short transaction and a handful of statements
whatever its size (set-based, no per-row savepoints):

1. claim up to BATCH_SIZE due clocks: `SELECT … FOR UPDATE SKIP LOCKED` on the partial index
   of `next_alert_at` (sla.selectors); the pure core computes each outcome (sla.clock_state);
2. lock their tickets, skipping any another transaction holds (tickets'
   `tickets_lock_available_cross_tenant`): a ticket event holds its ticket, then waits for
   its clocks, so the scan — which holds clocks — must never wait for a ticket. The clocks of
   a busy ticket stay due for the next pass;
3. one guarded UPDATE of the clocks joined to their new states (sla.scan_apply.
   clocks_scan_apply: `WHERE next_alert_at = claimed`): only the clocks it wrote go on, so a
   warning threshold, a breach or a pause cap is recorded once per clock and cycle however
   many scans run;
4. one COPY of the TicketEvents (sla_warning, sla_breached);
5. the escalations in bulk (escalation.services.escalations_on_sla_events: INSERT … ON
   CONFLICT DO NOTHING on `escalation_sla_once`, one COPY of their history, their
   notifications rendered once per shape and COPYed);
6. the deadline columns and `is_breached` of the tickets whose clocks changed status or
   deadline (a warning alone changes neither), from their clocks, in one UPDATE.

Rows travel by binary COPY and temporary tables (tenants.bulk), never one model instance or
array element per row. When more than a batch is due, the beat task spreads the pass over
SLA_SCAN_PARALLEL worker processes (escalation.tasks.sla_scan; SKIP LOCKED keeps them
disjoint).

Its cost follows the due clocks: with none due, it is one index probe (and the dead recompute
job check).
"""

from __future__ import annotations

import functools
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from sla.clock_state import ClockRules
from sla.models import Metric
from sla.scan_apply import (
    clocks_deadlines_cross_tenant,
    clocks_scan_apply,
    recompute_jobs_fail_dead_cross_tenant,
)
from sla.selectors import DueClock, clocks_claim_due_cross_tenant, clocks_due_count_cross_tenant
from tenants.bulk import RawJson
from tickets.models import EventKind
from tickets.services.common import NewEvent, ticket_events_record_many
from tickets.services.deadlines import (
    tickets_lock_available_cross_tenant,
    tickets_write_deadlines_cross_tenant,
)

from .models import Source
from .services import SlaEvent, escalations_on_sla_events

logger = logging.getLogger(__name__)

METRIC_LABELS = dict(Metric.choices)

BATCH_SIZE = 5000
MAX_BATCHES = 200


@dataclass
class BreachScanResult:
    warned: int = 0
    breached: int = 0
    capped: int = 0
    escalated: int = 0
    busy: int = 0  # clocks left for the next pass: their ticket was held by someone else
    failed_jobs: int = 0
    busy_ids: set[int] = field(default_factory=set, repr=False)

    def __str__(self) -> str:
        return (
            f"warned {self.warned}, breached {self.breached}, pause caps {self.capped}, "
            f"escalated {self.escalated}, left busy {self.busy}, "
            f"recompute jobs failed {self.failed_jobs}"
        )


def _events(applied: list[DueClock], now: datetime) -> tuple[list[NewEvent], list[SlaEvent]]:
    history: list[NewEvent] = []
    hand_off: list[SlaEvent] = []
    for due in applied:
        clock, new = due.clock, due.outcome.state
        label = METRIC_LABELS.get(clock.metric, clock.metric)
        # The data JSON by hand (thousands a batch): ints, and the metric JSON-encoded once.
        base = f'{{"clock": {int(clock.pk)}, "metric": {_metric_json(clock.metric)}, ' \
               f'"cycle": {int(new.cycle)}'  # fmt: skip
        for percent, crossed_at in zip(due.warned, due.outcome.warned_at, strict=True):
            # In the history at the instant it was crossed (before a breach the same pass
            # records at the deadline); escalated only while the deadline has not passed: a
            # breach supersedes its warnings (the breach escalates).
            history.append(NewEvent(
                clock.tenant_id, clock.ticket_id, EventKind.SLA_WARNING, "sla",
                f"{label}: {percent}% used", RawJson(f'{base}, "percent": {int(percent)}}}'),
                crossed_at,
            ))  # fmt: skip
            if not due.deadline_passed:
                hand_off.append(SlaEvent(clock.tenant_id, clock.ticket_id, clock.pk,
                                         clock.metric, new.cycle, Source.SLA_WARNING, percent,
                                         crossed_at))  # fmt: skip
        if due.deadline_passed:
            history.append(NewEvent(
                clock.tenant_id, clock.ticket_id, EventKind.SLA_BREACHED, "sla",
                f"{label}: breached",
                RawJson(f'{base}, "due_at": {json.dumps(new.breached_at.isoformat())}}}'),
                new.breached_at,
            ))  # fmt: skip
            hand_off.append(SlaEvent(clock.tenant_id, clock.ticket_id, clock.pk, clock.metric,
                                     new.cycle, Source.SLA_BREACH, 0, new.breached_at))  # fmt: skip
    return history, hand_off


@functools.cache
def _metric_json(metric: str) -> str:
    return json.dumps(metric)


def _moves_ticket(due: DueClock) -> bool:
    """Whether the ticket row's deadline columns can change: a warning alone changes only the
    clock's `warned_percent` and `next_alert_at`, which the ticket does not show."""
    old, new = due.state, due.outcome.state
    return (old.status, old.due_at, old.breached_at, old.paused_at) != (
        new.status, new.due_at, new.breached_at, new.paused_at
    )


def _batch(
    *, now: datetime, size: int, result: BreachScanResult, rules: dict[int, ClockRules]
) -> tuple[int, int, int]:
    """One transaction over up to `size` due clocks; returns (claimed, applied, busy)."""
    with transaction.atomic():
        due = clocks_claim_due_cross_tenant(now=now, limit=size, rules=rules)
        if not due:
            return 0, 0, 0
        free = tickets_lock_available_cross_tenant(ticket_ids=[d.clock.ticket_id for d in due])
        mine = [d for d in due if d.clock.ticket_id in free]
        busy = len(due) - len(mine)
        result.busy_ids.update(d.clock.pk for d in due if d.clock.ticket_id not in free)
        applied = clocks_scan_apply(due=mine, now=now).applied
        history, hand_off = _events(applied, now)
        ticket_events_record_many(events=history)
        escalated = escalations_on_sla_events(events=hand_off, at=now)
        ticket_ids = {d.clock.ticket_id for d in applied if _moves_ticket(d)}
        tickets_write_deadlines_cross_tenant(
            deadlines=clocks_deadlines_cross_tenant(ticket_ids=ticket_ids, now=now)
        )
    result.warned += sum(len(d.warned) for d in applied)
    result.breached += sum(1 for d in applied if d.deadline_passed)
    result.capped += sum(1 for d in applied if d.outcome.capped)
    result.escalated += len(escalated)
    result.busy_ids.difference_update(d.clock.pk for d in mine)
    result.busy = len(result.busy_ids)
    return len(due), len(applied), busy


def scan_helpers_wanted(*, now: datetime, parallel: int, batch_size: int = BATCH_SIZE) -> int:
    """How many more processes should join this pass: one per further batch that is due, up
    to `parallel` - 1. Scans claim with SKIP LOCKED, so several share a pass without waiting
    on each other or doing anything twice (the beat task queues the helpers)."""
    if parallel <= 1:
        return 0
    due = clocks_due_count_cross_tenant(now=now, limit=batch_size * parallel)
    return max(0, min(parallel, -(-due // batch_size)) - 1)


def sla_scan_cross_tenant(
    *, now: datetime | None = None, batch_size: int = BATCH_SIZE, helper: bool = False
) -> BreachScanResult:
    """One pass over every tenant: batch after batch until one comes back short (or makes no
    progress: every claimed clock's ticket was busy, they wait for the next pass). A `helper`
    (another process sharing the pass) leaves the dead recompute jobs to the main scan."""
    now = now or timezone.now()
    result = BreachScanResult()
    if not helper:
        result.failed_jobs = recompute_jobs_fail_dead_cross_tenant(now=now)
    rules: dict[int, ClockRules] = {}  # each target's calendar and policy, read once per pass
    for _ in range(MAX_BATCHES):
        claimed, applied, busy = _batch(now=now, size=batch_size, result=result, rules=rules)
        # Done when a batch comes back short with nothing left busy, or when it got nowhere
        # (every clock it claimed waits on a ticket someone holds: the next pass takes them).
        # A short batch that met busy tickets goes once more: another scan sharing the pass
        # may have held them and has let go by now.
        if applied == 0 or (claimed < batch_size and busy == 0):
            break
    if result.failed_jobs:
        logger.warning("sla scan: %s recompute job(s) failed (worker died)", result.failed_jobs)
    return result
