"""Periodic operational tasks (scheduled in helpdesk/settings.py's CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

import socket

from celery import shared_task
from django.utils import timezone

from .heartbeats import heartbeat_record
from .idempotency import KEEP_FOR
from .models import Heartbeat, IdempotencyRecord


@shared_task(ignore_result=True, expires=60)
def worker_heartbeat() -> None:
    """Sent by beat, run by a worker: proves the broker -> worker -> database path works.
    Expires: a heartbeat that waited a minute in the queue proves nothing."""
    heartbeat_record(Heartbeat.Kind.WORKER, detail=socket.gethostname())


@shared_task(ignore_result=True)
def idempotency_cleanup_cross_tenant() -> int:
    """Forget submission keys older than a day (every tenant's: a housekeeping job)."""
    cutoff = timezone.now() - KEEP_FOR
    deleted, _ = IdempotencyRecord.objects.cross_tenant().filter(created_at__lt=cutoff).delete()
    return deleted
