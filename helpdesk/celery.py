"""The Celery app and the beat schedule of the periodic jobs."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

app = Celery("helpdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect(dispatch_uid="helpdesk_db_before_task")
@task_postrun.connect(dispatch_uid="helpdesk_db_after_task")
def _database_connections_fresh(**kwargs: Any) -> None:
    """A worker keeps its connections between tasks as a web process does between requests:
    a task after a PostgreSQL restart reconnects instead of failing. Celery's Django fixup
    does this for tasks a worker runs, not for tasks run eagerly in-process."""
    from ops.db import close_stale_connections

    close_stale_connections()
