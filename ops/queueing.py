"""Queue a task after commit without ever failing the request that saved the change."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_on_commit(task: Any, *args: Any, **kwargs: Any) -> None:
    """`task.delay(*args, **kwargs)` once the current transaction commits.

    The change is already committed when the broker is asked; if the broker is unreachable
    the error is logged and the request still answers normally. Callers therefore record the
    work as a row first (e.g. a pending RecomputeJob) that a periodic sweeper re-queues: a lost
    message delays the job, it never loses it, and the user is never invited to save twice.
    """

    def send() -> None:
        try:
            task.delay(*args, **kwargs)
        except Exception:  # any broker failure: the row stays pending for the sweeper
            logger.exception(
                "could not queue %s%r: left for the sweeper", getattr(task, "name", task), args
            )

    transaction.on_commit(send)
