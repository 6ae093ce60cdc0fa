"""Apply a calendar or policy change to every affected open clock, in bulk, with a ledger entry.

`recompute_job_run(job_id)`:

1. Claim the job with a conditional UPDATE (pending → running): a second worker handed the
   same id claims nothing and returns, so a job runs once.
2. Walk the affected clocks (open clocks on the job's calendar or policy) by primary key in
   chunks; each chunk is its own transaction, so progress (`done`) is visible while it runs.
3. For each clock, take the target's *current* duration and calendar and recompute, in Python
   with the pure calendar: `due_at = add_business_time(consumed_as_of, duration - consumed)`.
   Deterministic: the result depends only on the rows, never on when the job runs. The new
   hours apply from the clock's last checkpoint (start, resume or retarget).
4. Write the chunk back with one VALUES-join UPDATE (`unnest` arrays). The WHERE clause
   repeats the status and `consumed_as_of` that were read: a clock that an event (pause, reply)
   changed meanwhile is left to that event, which already used the new configuration — the
   race loses nothing and overwrites nothing.
5. For the rows actually changed: COPY in a ledger row (a point event) with `due_at_before` /
   `due_at_after` and the job's reason.
6. Re-sync the chunk's tickets' deadline columns (one UPDATE), bump `done`.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from .models import (
    Calendar,
    ClockSegment,
    ClockStatus,
    RecomputeJob,
    SegmentKind,
    SlaClock,
)
from .services import sync_ticket_deadlines

logger = logging.getLogger(__name__)
CHUNK = 5000
OPEN = (ClockStatus.RUNNING, ClockStatus.PAUSED)


def recompute_job_run(job_id: int) -> None:
    now = timezone.now()
    claimed = (
        RecomputeJob.objects.cross_tenant()
        .filter(pk=job_id, status=RecomputeJob.Status.PENDING)
        .update(status=RecomputeJob.Status.RUNNING, started_at=now)
    )
    if not claimed:
        return
    job = RecomputeJob.objects.cross_tenant().select_related("tenant").get(pk=job_id)
    try:
        _run(job, now)
    except Exception as exc:
        logger.exception("recompute job %s failed", job_id)
        RecomputeJob.objects.for_tenant(job.tenant).filter(pk=job.pk).update(
            status=RecomputeJob.Status.FAILED, error=repr(exc)[:2000], finished_at=timezone.now()
        )
        raise
    RecomputeJob.objects.for_tenant(job.tenant).filter(pk=job.pk).update(
        status=RecomputeJob.Status.DONE, finished_at=timezone.now()
    )


def _affected(job: RecomputeJob) -> QuerySet[SlaClock]:
    clocks = SlaClock.objects.for_tenant(job.tenant).filter(status__in=OPEN)
    if job.calendar_id is not None:
        clocks = clocks.filter(target__calendar_id=job.calendar_id)
    if job.policy_id is not None:
        clocks = clocks.filter(target__policy_id=job.policy_id)
    return clocks


def _run(job: RecomputeJob, now: datetime) -> None:
    affected = _affected(job)
    total = affected.count()
    RecomputeJob.objects.for_tenant(job.tenant).filter(pk=job.pk).update(total=total)
    calendars = {c.pk: c for c in Calendar.objects.for_tenant(job.tenant)}
    last_id = 0
    while True:
        rows = list(
            affected.filter(pk__gt=last_id)
            .order_by("pk")
            .values_list(
                "pk", "ticket_id", "status", "pause_kind", "due_at", "consumed",
                "consumed_as_of", "target_duration", "target__duration", "target__calendar_id",
            )[:CHUNK]
        )  # fmt: skip
        if not rows:
            break
        last_id = rows[-1][0]
        with transaction.atomic():
            _apply_chunk(job, rows, calendars, now)
            RecomputeJob.objects.for_tenant(job.tenant).filter(pk=job.pk).update(
                done=F("done") + len(rows)
            )


def _apply_chunk(job: RecomputeJob, rows: list[tuple], calendars: dict, now: datetime) -> None:
    ids, dues, durations, as_of = [], [], [], []
    meta: dict[int, tuple] = {}
    for pk, ticket_id, status, pause_kind, due, consumed, consumed_as_of, old_dur, dur, cal in rows:
        new_due = None
        if status == ClockStatus.RUNNING:
            remaining = dur - consumed
            business = calendars[cal].as_business_calendar()
            new_due = (
                business.add_business_time(consumed_as_of, remaining)
                if remaining >= timedelta(0)
                else now
            )
        if new_due == due and dur == old_dur:
            continue  # nothing moves: no ledger entry for a change that changed nothing
        ids.append(pk)
        dues.append(new_due)
        durations.append(dur)
        as_of.append(consumed_as_of)
        kind = SegmentKind.RUNNING if status == ClockStatus.RUNNING else pause_kind
        meta[pk] = (ticket_id, kind, due, new_due)
    if not ids:
        return
    changed = _update_clocks(job, ids, dues, durations, as_of, now)
    if changed:
        _write_ledger(job, [(pk, *meta[pk]) for pk in changed], now)
        sync_ticket_deadlines(tenant=job.tenant, ticket_ids={meta[pk][0] for pk in changed})


def _update_clocks(
    job: RecomputeJob,
    ids: list[int],
    dues: list[datetime | None],
    durations: list[timedelta],
    as_of: list[datetime],
    now: datetime,
) -> list[int]:
    table = SlaClock._meta.db_table
    sql = f"""
        UPDATE {table} AS c
           SET due_at = v.due_at, target_duration = v.duration, updated_at = %s
          FROM unnest(%s::bigint[], %s::timestamptz[], %s::interval[], %s::timestamptz[])
               AS v(id, due_at, duration, consumed_as_of)
         WHERE c.id = v.id AND c.tenant_id = %s
           AND c.status IN ('running', 'paused') AND c.consumed_as_of = v.consumed_as_of
     RETURNING c.id
    """  # noqa: S608 - the table name is ours; every value is a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, ids, dues, durations, as_of, job.tenant_id])
        return [row[0] for row in cursor.fetchall()]


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
        for pk, _ticket_id, kind, before, after in changes:
            copy.write_row((job.tenant_id, pk, kind, now, now, before, after, job.reason, now))
