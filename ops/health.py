"""What /healthz reports: each part of the deployment, and which required part is failing.

| part       | checked by                                 | required when                        |
|------------|--------------------------------------------|--------------------------------------|
| postgresql | `SELECT 1` on the default connection       | always                               |
| redis      | PING to the cache's Redis (1 s timeouts)   | the cache is Redis (`CACHE_REDIS=1`) |
| broker     | a connection to the Celery broker (2 s)    | tasks are not run eagerly            |
| worker     | the worker heartbeat is younger than 90 s  | tasks are not run eagerly            |
| beat       | the beat heartbeat is younger than 90 s    | tasks are not run eagerly            |

Redis is required although the product keeps serving without it (the cache is an
accelerator): the deployment is degraded and the operator must know. Errors are reported by
class name only: /healthz is public and must not describe the internal network.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection

from .heartbeats import STALE_AFTER, heartbeat_state
from .models import Heartbeat

CONNECT_TIMEOUT_SECONDS = 1.0


def _timed(check: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    started = time.monotonic()
    try:
        result = {"ok": True, **check()}
    except Exception as error:  # a health check reports every failure, it never raises
        result = {"ok": False, "error": type(error).__name__}
    result["ms"] = round((time.monotonic() - started) * 1000, 1)
    return result


def _postgresql() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {}


def _redis_location() -> str | None:
    cache = caches["default"]
    if not isinstance(cache, RedisCache):
        return None
    return cache._servers[0]


def _redis() -> dict[str, Any]:
    import redis

    client = redis.Redis.from_url(
        _redis_location() or "",
        socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
        socket_timeout=CONNECT_TIMEOUT_SECONDS,
    )
    try:
        client.ping()
    finally:
        client.close()
    return {}


def _broker() -> dict[str, Any]:
    from celery import current_app

    with current_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)
    return {}


def _heartbeat(kind: str) -> Callable[[], dict[str, Any]]:
    def check() -> dict[str, Any]:
        state = heartbeat_state(kind)
        if state.last_seen is None:
            return {"ok": False, "error": "no heartbeat yet"}
        seen = {"last_seen": state.last_seen.isoformat(), "age_seconds": state.age_seconds}
        if not state.ok:
            return {"ok": False, "error": f"stale: last seen {state.age_seconds:g} s ago", **seen}
        return seen

    return check


def health_report() -> tuple[bool, dict[str, Any]]:
    """(healthy, report). Healthy when every required part is ok."""
    background = settings.HEALTHZ_BACKGROUND
    checks: dict[str, tuple[bool, Callable[[], dict[str, Any]]]] = {
        "postgresql": (True, _postgresql),
        "redis": (_redis_location() is not None, _redis),
        "broker": (background, _broker),
        "worker": (background, _heartbeat(Heartbeat.Kind.WORKER)),
        "beat": (background, _heartbeat(Heartbeat.Kind.BEAT)),
    }
    report: dict[str, Any] = {}
    for name, (required, check) in checks.items():
        if not required:
            report[name] = {"ok": True, "required": False}
            continue
        if name in ("worker", "beat") and not report["postgresql"]["ok"]:
            result = {"ok": False, "error": "unknown: PostgreSQL is down"}
        else:
            result = _timed(check)
        report[name] = {**result, "required": True}
    failing = [name for name, result in report.items() if not result["ok"]]
    body = {
        "status": "ok" if not failing else "failing",
        "failing": failing,
        "stale_after_seconds": int(STALE_AFTER.total_seconds()),
        "checks": report,
    }
    return not failing, body
