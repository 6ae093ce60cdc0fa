"""Apply a calendar or policy change to every affected open clock, in bulk, with a ledger entry.

`recompute_job_run(job_id)`:

1. Claim the job with a conditional UPDATE: pending → running, or running whose lease expired
   (its heartbeat is older than `LEASE`: the worker died). A second worker handed the id of a
   job that is alive claims nothing and returns. A job taken over more than `MAX_ATTEMPTS`
   times is marked failed (the admin sees why and may retry it).
2. Walk the affected clocks (open clocks on the job's calendar or policy) by primary key in
   chunks of `CHUNK`; each chunk is its own transaction that also refreshes the heartbeat and
   `done`, so progress is visible and a dead worker is noticed within one lease.
3. Per chunk, THE LOCK ORDER (as for ticket events, see `sla.services.clocks_lock`): the
   chunk's tickets first, ascending id (through the tickets port: `sla` never touches their
   table), then the clocks, re-read after that lock (their rows are locked by the UPDATE). A
   ticket event therefore either finished before (and the clock is re-read as it left it) or
   waits for the chunk (and then reads the new configuration): no deadlock, no lost update.
4. For each clock, take the target's *current* duration and calendar and recompute with the
   pure core (`clock_state.recomputed`): deterministic, so running a chunk twice (a job taken
   over after a crash) changes nothing the first run already changed.
5. Write the chunk back with one VALUES-join UPDATE (`unnest` arrays), `next_alert_at`
   included; COPY in a ledger row per moved clock; hand the chunk's tickets their new
   deadlines through the port (tickets writes its own rows).
"""

from __future__ import annotations

import logging
import os
from dataclasses import fields
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from . import clock_state as core
from .clock_state import ClockRules, ClockState
from .models import (
    Calendar,
    ClockSegment,
    ClockStatus,
    RecomputeJob,
    SlaClock,
    SupportPolicy,
    Target,
)
from .ports import ticket_rows

if TYPE_CHECKING:
    from tenants.models import Tenant

logger = logging.getLogger(__name__)
# From the environment (sla does not import the project package): int() fails loudly on junk.
CHUNK = int(os.environ.get("SLA_RECOMPUTE_CHUNK", "5000"))
LEASE = timedelta(seconds=int(os.environ.get("SLA_RECOMPUTE_LEASE_SECONDS", "300")))
MAX_ATTEMPTS = 3
OPEN = (ClockStatus.RUNNING, ClockStatus.PAUSED)
Status = RecomputeJob.Status


def lease_expired(job: RecomputeJob, now: datetime | None = None) -> bool:
    if job.status != Status.RUNNING:
        return False
    return job.heartbeat_at is None or job.heartbeat_at < (now or timezone.now()) - LEASE


class LeaseLost(Exception):
    """Another worker took the job over (this one was presumed dead): stop quietly."""


def _claim(tenant: Tenant, job_id: int, now: datetime) -> int | None:
    """The claim's attempt number, or None when the job is not ours to run."""
    jobs = RecomputeJob.objects.for_tenant(tenant).filter(pk=job_id)
    fresh = jobs.filter(status=Status.PENDING).update(
        status=Status.RUNNING, started_at=now, heartbeat_at=now, attempts=1, done=0
    )
    if fresh:
        return 1
    stale = jobs.filter(status=Status.RUNNING).filter(
        Q(heartbeat_at__lt=now - LEASE) | Q(heartbeat_at__isnull=True)
    )
    if not stale.update(heartbeat_at=now, attempts=F("attempts") + 1, done=0):
        return None
    return jobs.values_list("attempts", flat=True).get()


def recompute_job_run(*, tenant: Tenant, job_id: int) -> None:
    """Run (or take over) one tenant's recompute job; call it inside `tenant_scope(tenant)`."""
    now = timezone.now()
    attempt = _claim(tenant, job_id, now)
    if attempt is None:
        return
    job = RecomputeJob.objects.for_tenant(tenant).get(pk=job_id)
    job.tenant = tenant
    mine = RecomputeJob.objects.for_tenant(tenant).filter(pk=job.pk, attempts=attempt)
    if attempt > MAX_ATTEMPTS:
        mine.update(
            status=Status.FAILED, finished_at=now,
            error=f"Its worker stopped {attempt - 1} times (no heartbeat for {LEASE}).",
        )  # fmt: skip
        return
    try:
        _run(job, mine)
    except LeaseLost:
        logger.warning("recompute job %s was taken over by another worker", job_id)
        return
    except Exception as exc:
        logger.exception("recompute job %s failed", job_id)
        mine.update(status=Status.FAILED, error=repr(exc)[:2000], finished_at=timezone.now())
        raise
    mine.update(status=Status.DONE, finished_at=timezone.now())


def _affected(job: RecomputeJob) -> QuerySet[SlaClock]:
    clocks = SlaClock.objects.for_tenant(job.tenant).filter(status__in=OPEN)
    if job.calendar_id is not None:
        clocks = clocks.filter(target__calendar_id=job.calendar_id)
    if job.policy_id is not None:
        clocks = clocks.filter(target__policy_id=job.policy_id)
    return clocks


def _run(job: RecomputeJob, mine: QuerySet[RecomputeJob]) -> None:
    affected = _affected(job)
    if not mine.update(total=affected.count(), heartbeat_at=timezone.now()):
        raise LeaseLost
    rules = _Rules(job)
    last_id = 0
    while True:
        rows = list(
            affected.filter(pk__gt=last_id).order_by("pk").values_list("pk", "ticket_id")[:CHUNK]
        )
        if not rows:
            break
        last_id = rows[-1][0]
        with transaction.atomic():
            _apply_chunk(job, rows, rules, timezone.now())
            beat = mine.filter(status=Status.RUNNING).update(
                done=F("done") + len(rows), heartbeat_at=timezone.now()
            )
            if not beat:
                raise LeaseLost  # rolls this chunk back: the new owner redoes it


class _Rules:
    """ClockRules per (calendar, policy), built once per job (calendars cached per revision)."""

    def __init__(self, job: RecomputeJob) -> None:
        self.calendars = {c.pk: c for c in Calendar.objects.for_tenant(job.tenant)}
        self.policies = {p.pk: p for p in SupportPolicy.objects.for_tenant(job.tenant)}
        # Each target's current duration, calendar and policy (no join per chunk).
        self.targets = {
            pk: (duration, calendar_id, policy_id)
            for pk, duration, calendar_id, policy_id in Target.objects.for_tenant(job.tenant)
            .values_list("pk", "duration", "calendar_id", "policy_id")
        }
        self.built: dict[tuple[int, int], ClockRules] = {}

    def get(self, calendar_id: int, policy_id: int) -> ClockRules:
        key = (calendar_id, policy_id)
        found = self.built.get(key)
        if found is None:
            policy = self.policies[policy_id]
            found = self.built[key] = ClockRules(
                calendar=self.calendars[calendar_id].as_business_calendar(),
                warning_thresholds=tuple(policy.warning_thresholds or ()),
                max_pause=policy.max_pause,
                pause_on_hold=policy.pause_on_hold,
            )
        return found


# ClockState's fields in declaration order (so a row builds a state positionally: the hot
# loop), preceded by the row's keys.
STATE_COLUMNS = tuple(f.name for f in fields(ClockState))
COLUMNS = ("id", "ticket", "target", *STATE_COLUMNS)


def _apply_chunk(job: RecomputeJob, rows: list[tuple], rules: _Rules, now: datetime) -> None:
    ticket_ids = sorted({ticket_id for _, ticket_id in rows})
    ticket_rows().lock(tenant=job.tenant, ticket_ids=ticket_ids)  # tickets first ...
    chunk = {pk for pk, _ in rows}
    # ... then their clocks as they are now: all of these tickets' clocks (the chunk's are
    # recomputed; the others count for the tickets' deadlines). No FOR UPDATE: every writer
    # of a clock's event-driven fields holds its ticket's lock, which we hold. The breach
    # scan alone writes clocks without it (warnings, breach, next alert): the UPDATE below is
    # conditional on those, and a clock it changed meanwhile is re-read under its row lock.
    read = _read_clocks(job, ticket_ids)
    states, changes = _recomputed(read, chunk, rules, now)
    if not changes:
        return
    lost = _update_clocks(job, changes, now)
    if lost:  # the scan moved these between our read and write: redo them under the row lock
        again = _read_clocks(job, ticket_ids, only=sorted(lost))
        more_states, retry = _recomputed(again, lost, rules, now)
        _update_clocks(job, retry, now)
        for ticket_id, fresh in more_states.items():
            by_metric = {state.metric: state for state in fresh}
            states[ticket_id] = [by_metric.get(s.metric, s) for s in states[ticket_id]]
        changes = [c for c in changes if c[0] not in lost] + retry
    _write_ledger(job, [c for c in changes if c[5]], now)
    at = timezone.now()
    touched = sorted({ticket_id for _, ticket_id, *_ in changes})
    deadlines = {t: core.ticket_deadlines(states[t], now=at) for t in touched}
    ticket_rows().write_deadlines(tenant=job.tenant, deadlines=deadlines)


def _read_clocks(job: RecomputeJob, ticket_ids: list[int], only: list[int] | None = None) -> list:
    """These tickets' clocks (`only` these ids, then locked), ascending id. Raw SQL with one
    array parameter: a 5,000-placeholder IN list costs more to build and parse than the read."""
    table = SlaClock._meta.db_table
    columns = ", ".join(SlaClock._meta.get_field(n).column for n in COLUMNS)
    sql = f"SELECT {columns} FROM {table} WHERE tenant_id = %s AND ticket_id = ANY(%s)"  # noqa: S608
    params: list = [job.tenant_id, ticket_ids]
    if only is not None:
        sql += " AND id = ANY(%s) ORDER BY id FOR UPDATE"
        params.append(only)
    else:
        sql += " ORDER BY id"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _recomputed(
    read: list[tuple], chunk: set[int], rules: _Rules, now: datetime
) -> tuple[dict[int, list[ClockState]], list[tuple]]:
    """Each ticket's clock states after the recompute, and one change row per clock to write:
    (pk, ticket_id, old state, new state, ledger kind, moved)."""
    states: dict[int, list[ClockState]] = {}
    changes = []
    for pk, ticket_id, target_id, *values in read:
        state = ClockState(*values)
        states.setdefault(ticket_id, []).append(state)
        if pk not in chunk or state.status not in OPEN:
            continue
        duration, calendar_id, policy_id = rules.targets[target_id]
        new = core.recomputed(state, rules.get(calendar_id, policy_id), duration=duration, now=now)
        if new == state:
            continue  # nothing moves: no write, no ledger entry for a change that changed nothing
        states[ticket_id][-1] = new
        kind = "running" if state.status == ClockStatus.RUNNING else state.pause_kind
        moved = (new.due_at, new.target_duration) != (state.due_at, state.target_duration)
        changes.append((pk, ticket_id, state, new, kind, moved))
    return states, changes


def _update_clocks(job: RecomputeJob, changes: list[tuple], now: datetime) -> set[int]:
    """One VALUES-join UPDATE, conditional on the scan-owned fields being as read; returns the
    ids it could not write (the breach scan changed them meanwhile)."""
    if not changes:
        return set()
    olds = [old for _, _, old, *_ in changes]
    news = [new for _, _, _, new, *_ in changes]
    ids = [pk for pk, *_ in changes]
    table = SlaClock._meta.db_table
    sql = f"""
        UPDATE {table} AS c
           SET due_at = v.due_at, target_duration = v.duration, next_alert_at = v.next_alert_at,
               updated_at = %s
          FROM unnest(%s::bigint[], %s::timestamptz[], %s::interval[], %s::timestamptz[],
                      %s::smallint[], %s::timestamptz[], %s::timestamptz[])
               AS v(id, due_at, duration, next_alert_at, warned, breached_at, alert_before)
         WHERE c.id = v.id AND c.tenant_id = %s
           AND c.warned_percent = v.warned
           AND c.breached_at IS NOT DISTINCT FROM v.breached_at
           AND c.next_alert_at IS NOT DISTINCT FROM v.alert_before
     RETURNING c.id
    """  # noqa: S608 - the table name is ours; every value is a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, [
            now, ids, [n.due_at for n in news], [n.target_duration for n in news],
            [n.next_alert_at for n in news], [o.warned_percent for o in olds],
            [o.breached_at for o in olds], [o.next_alert_at for o in olds], job.tenant_id,
        ])  # fmt: skip
        written = {row[0] for row in cursor.fetchall()}
    return set(ids) - written


def _write_ledger(job: RecomputeJob, changes: list[tuple], now: datetime) -> None:
    """COPY one ledger row per moved clock: a point event (started = ended = now) carrying
    due_at_before/after and the reason. The clock's open running segment stays open — the
    clock never stopped running — so no UPDATE of old segments is needed."""
    segments = ClockSegment._meta.db_table
    columns = (
        "tenant_id, clock_id, kind, started_at, ended_at, due_at_before, due_at_after, note, "
        "created_at"
    )
    with connection.cursor() as cursor, cursor.cursor.copy(
        f"COPY {segments} ({columns}) FROM STDIN"
    ) as copy:
        for pk, _ticket_id, old, new, kind, _moved in changes:
            copy.write_row(
                (job.tenant_id, pk, kind, now, now, old.due_at, new.due_at, job.reason, now)
            )
