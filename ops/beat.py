"""The beat scheduler with a heartbeat of its own (see ops.heartbeats)."""

from __future__ import annotations

import logging
import socket
import time

from celery.beat import PersistentScheduler

from .db import close_stale_connections
from .heartbeats import HEARTBEAT_SECONDS, heartbeat_record
from .models import Heartbeat

logger = logging.getLogger(__name__)


class HeartbeatScheduler(PersistentScheduler):
    """Writes the beat heartbeat at most every HEARTBEAT_SECONDS, from the scheduler loop
    itself: a beat that died or hangs stops writing it, whatever the broker and workers do."""

    _last_heartbeat = 0.0

    def tick(self, *args: object, **kwargs: object) -> float:
        interval = super().tick(*args, **kwargs)
        now = time.monotonic()
        if now - self._last_heartbeat >= HEARTBEAT_SECONDS:
            self._last_heartbeat = now
            try:
                close_stale_connections()  # beat keeps a connection for days: drop a dead one
                heartbeat_record(Heartbeat.Kind.BEAT, detail=socket.gethostname())
            except Exception:  # the database being down must not stop the schedule
                logger.exception("beat heartbeat not written")
        # Wake up in time for the next heartbeat even when no task is due for longer.
        return min(interval, HEARTBEAT_SECONDS)
