"""`manage.py heartbeat_check worker|beat`: exit 1 when that heartbeat is missing or stale.

The container health check of the worker and beat services: the same heartbeat rows and the
same staleness rule as /healthz (ops.heartbeats), without going through the web process.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ops.heartbeats import heartbeat_state
from ops.models import Heartbeat


class Command(BaseCommand):
    help = "Exit 1 when the worker or beat heartbeat is missing or stale."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=[k.value for k in Heartbeat.Kind])

    def handle(self, *args: Any, kind: str, **options: Any) -> None:
        state = heartbeat_state(kind)
        if state.last_seen is None:
            raise CommandError(f"{kind}: no heartbeat yet")
        if not state.ok:
            raise CommandError(f"{kind}: stale, last seen {state.age_seconds:g} s ago")
        self.stdout.write(f"{kind}: ok, last seen {state.age_seconds:g} s ago")
