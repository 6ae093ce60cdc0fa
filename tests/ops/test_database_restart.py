"""Stale database connections: the backend of a kept connection is terminated (as by a
PostgreSQL restart); the next request and the next task reconnect instead of failing.

Requests go through Django's real WSGI handler (the test client switches off the
request_started/finished connection housekeeping this depends on)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection, connections
from django.test import RequestFactory

from ops.models import Heartbeat
from ops.tasks import worker_heartbeat
from tests.conftest import host

pytestmark = [pytest.mark.fault, pytest.mark.django_db(transaction=True)]


def terminate_backend_of_default_connection() -> int:
    pid = connection.connection.info.backend_pid
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            assert cursor.fetchone()[0] is True
    finally:
        other.close()
    return pid


def wsgi_get(path: str, http_host: str) -> int:
    environ = RequestFactory().get(path, HTTP_HOST=http_host).environ
    statuses = []
    response = WSGIHandler()(environ, lambda status, headers: statuses.append(status))
    b"".join(response)
    response.close()  # request_finished: what the WSGI server does
    return int(statuses[0].split()[0])


def test_the_next_request_after_the_backend_died_succeeds(tenant):
    assert wsgi_get("/accounts/login/", host(tenant)) == 200
    assert connection.connection is not None  # kept (CONN_MAX_AGE) for the next request
    old_pid = terminate_backend_of_default_connection()
    cache.clear()  # so the request must query (the host -> tenant lookup)

    assert wsgi_get("/accounts/login/", host(tenant)) == 200
    assert connection.connection.info.backend_pid != old_pid


def test_the_next_task_after_the_backend_died_succeeds(db):
    worker_heartbeat.apply().get()
    old_pid = terminate_backend_of_default_connection()

    result = worker_heartbeat.apply()
    result.get()  # raises if the task failed
    assert Heartbeat.objects.filter(kind=Heartbeat.Kind.WORKER).exists()
    assert connection.connection.info.backend_pid != old_pid
