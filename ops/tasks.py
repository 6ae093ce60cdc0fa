"""Periodic operational tasks (scheduled in helpdesk/settings.py's CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

import socket

from celery import shared_task

from .heartbeats import heartbeat_record
from .models import Heartbeat


@shared_task(ignore_result=True, expires=60)
def worker_heartbeat() -> None:
    """Sent by beat, run by a worker: proves the broker -> worker -> database path works.
    Expires: a heartbeat that waited a minute in the queue proves nothing."""
    heartbeat_record(Heartbeat.Kind.WORKER, detail=socket.gethostname())
