"""Heartbeats of the background processes, kept in PostgreSQL and read by /healthz.

- beat: written by the scheduler itself on its ticks (`ops.beat.HeartbeatScheduler`), so a dead
  or stuck beat is noticed even when the broker and workers are fine.
- worker: written by the `ops.tasks.worker_heartbeat` task that beat sends every
  `HEARTBEAT_SECONDS`; a fresh one proves broker -> worker -> database end to end.

A heartbeat older than `STALE_AFTER_BEATS` intervals is a failure: one missed beat is noise
(a long task, a restart), three in a row is a process that is gone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Heartbeat

HEARTBEAT_SECONDS = 30
STALE_AFTER_BEATS = 3
STALE_AFTER = timedelta(seconds=HEARTBEAT_SECONDS * STALE_AFTER_BEATS)


def heartbeat_record(kind: str, *, at: datetime | None = None, detail: str = "") -> None:
    """Upsert the heartbeat row of `kind` (two beats or many workers may write at once)."""
    at = at or timezone.now()
    updated = Heartbeat.objects.filter(kind=kind).update(at=at, detail=detail[:200])
    if updated:
        return
    try:
        with transaction.atomic():
            Heartbeat.objects.create(kind=kind, at=at, detail=detail[:200])
    except IntegrityError:  # another process created it first: ours is as good
        Heartbeat.objects.filter(kind=kind).update(at=at, detail=detail[:200])


@dataclass(frozen=True)
class HeartbeatState:
    kind: str
    last_seen: datetime | None
    age_seconds: float | None
    ok: bool


def heartbeat_state(kind: str, *, now: datetime | None = None) -> HeartbeatState:
    now = now or timezone.now()
    row = Heartbeat.objects.filter(kind=kind).only("at").first()
    if row is None:
        return HeartbeatState(kind=kind, last_seen=None, age_seconds=None, ok=False)
    age = (now - row.at).total_seconds()
    fresh = age <= STALE_AFTER.total_seconds()
    return HeartbeatState(kind=kind, last_seen=row.at, age_seconds=round(age, 1), ok=fresh)
