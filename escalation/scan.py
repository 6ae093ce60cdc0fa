"""The acknowledgement scan: unacknowledged escalations climb their ladders."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from .models import Escalation, Status
from .services import escalation_climb_locked, escalations_climb_many_locked

logger = logging.getLogger(__name__)

BATCH_SIZE = 200
MAX_BATCHES = 100


@dataclass
class ScanResult:
    climbed: int = 0
    reminded: int = 0
    stopped: int = 0
    failed: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"climbed {self.climbed}, reminded {self.reminded}, stopped {self.stopped}, "
            f"failed {len(self.failed)}"
        )


def due_cross_tenant(*, now: datetime, skip: list[int] | None = None) -> QuerySet[Escalation]:
    """Open escalations of every tenant whose acknowledgement is overdue, oldest deadline
    first, locked for the caller's transaction; rows another scan holds are skipped. No joins:
    a bare index range scan, cheap to plan and to run when nothing is due."""
    return (
        Escalation.objects.cross_tenant()
        .select_for_update(skip_locked=True)
        .filter(status=Status.OPEN, acknowledge_by__lte=now)
        .exclude(pk__in=skip or [])
        .order_by("acknowledge_by")
    )


def _load_cross_tenant(ids: list[int]) -> list[Escalation]:
    """The claimed rows with what a climb reads (already locked by this transaction)."""
    return list(
        Escalation.objects.cross_tenant()
        .select_related("tenant", "ticket__customer__account_manager__user",
                        "ticket__assignee__user", "level__calendar", "owner__user",
                        "requested_by__user")  # fmt: skip
        .filter(pk__in=ids)
        .order_by("acknowledge_by", "pk")
    )


def _batch_cross_tenant(*, now: datetime, size: int, result: ScanResult) -> int:
    """One short transaction over up to `size` due escalations of any tenant.

    1. Claim: SELECT id … FOR UPDATE SKIP LOCKED over the partial index
       `escalation_ack_due_idx` (status open, acknowledge_by <= now). A concurrent scan skips
       the rows this one holds, so each due row is climbed by exactly one scan. The rows are
       then loaded with their relations by id (planning a dozen joins under the lock query
       cost more than running it).
    2. Climb each row in the same transaction: the climb moves `acknowledge_by` into the future
       (or clears it), so once this commits the row is no longer due — a scan that starts
       later does not see it, and a scan blocked on nothing (SKIP LOCKED) never waits.
       The batch climbs together (`escalations_climb_many_locked`: one UPDATE, one COPY of
       the history, notifications rendered once per shape) unless a row needs the one-by-one
       path (its ticket closed, its next level moves the ticket to a tier) or the batch fails.
    3. One by one, a row that fails is rolled back to its savepoint and left due; it is
       reported and excluded from the rest of this run, and the next run tries it again.
    """
    with transaction.atomic():
        due = due_cross_tenant(now=now, skip=result.failed)
        ids = list(due.values_list("pk", flat=True)[:size])
        rows = _load_cross_tenant(ids) if ids else []
        lookups: dict[object, object] = {}  # levels and their people, shared by the batch
        if rows:
            try:
                with transaction.atomic():
                    counted = escalations_climb_many_locked(
                        escalations=rows, at=now, lookups=lookups
                    )
            except Exception:
                logger.exception("A batch of escalations could not climb together: one by one")
                counted, lookups = None, {}
                rows = _load_cross_tenant(ids)  # as they are (the failed attempt changed them)
            if counted is not None:
                for outcome, count in counted.items():
                    setattr(result, outcome, getattr(result, outcome) + count)
                return len(rows)
        for escalation in rows:
            try:
                with transaction.atomic():
                    outcome = escalation_climb_locked(
                        tenant=escalation.tenant, escalation=escalation, at=now, lookups=lookups
                    )
            except Exception:
                logger.exception("Escalation %s could not climb", escalation.pk)
                result.failed.append(escalation.pk)
                continue
            setattr(result, outcome, getattr(result, outcome) + 1)
    return len(rows)


def escalation_scan_cross_tenant(
    *, now: datetime | None = None, batch_size: int = BATCH_SIZE
) -> ScanResult:
    """Climb every escalation whose acknowledgement is overdue, batch after batch, until a
    batch comes back short. Its cost follows the due rows, not the open escalations."""
    now = now or timezone.now()
    result = ScanResult()
    for _ in range(MAX_BATCHES):
        if _batch_cross_tenant(now=now, size=batch_size, result=result) < batch_size:
            break
    return result
