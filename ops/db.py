"""Database connections of long-running processes (worker, beat) after a PostgreSQL restart."""

from __future__ import annotations

from django.db import connections


def close_stale_connections() -> None:
    """What Django does around each web request, for a worker's tasks and beat's ticks: drop
    connections that broke (a PostgreSQL restart) or aged out (CONN_MAX_AGE), and re-arm the
    health check (CONN_HEALTH_CHECKS) so the next query tests a reused connection first.

    A connection inside an atomic block belongs to the code that called us (an eager task in
    a transaction): closing it would break that transaction, so it is left alone.
    """
    for conn in connections.all(initialized_only=True):
        if not conn.in_atomic_block:
            conn.close_if_unusable_or_obsolete()
