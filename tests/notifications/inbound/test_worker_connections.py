"""The worker parses each delivery on the connection it already has: Celery's Django fixup
would otherwise close it before and after every task (a new PostgreSQL backend per parse)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from celery.fixups.django import DjangoWorkerFixup
from django.db import connection

from helpdesk.celery import app


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_worker_keeps_its_database_connection_between_tasks():
    fixup = DjangoWorkerFixup(app)  # what a worker runs around each (non-eager) task
    task = SimpleNamespace(request=SimpleNamespace(is_eager=False))
    before = backend_pid()
    for _ in range(20):
        fixup.on_task_prerun(task)
        backend_pid()  # the task's queries
        fixup.on_task_postrun(task)
    assert backend_pid() == before
