"""Processing a stored delivery (the task's entry), and the admin's retry and discard."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tenants.bulk import columns_of, select_instances
from tenants.models import Membership, Tenant
from tenants.scoping import tenant_scope

from .intake import inbound_process
from .models import PROBLEM_STATUSES, InboundEmail, InboundStatus

STALE_AFTER = timedelta(minutes=2)


def _waiting() -> Q:
    return Q(status=InboundStatus.RECEIVED) | Q(
        status=InboundStatus.OVERSIZE, processed_at__isnull=True
    )


def inbound_process_cross_tenant(*, inbound_id: int, approved: bool = False) -> str | None:
    """Process one delivery if it still waits; returns its new status (None: nothing to do).

    The row is found and locked across tenants (its id is all the task has); the intake then
    runs in `tenant_scope` of the row's tenant, as every per-tenant job does.

    Race-free: the row is locked with SKIP LOCKED and must still be waiting, so two workers
    (a re-queued task and the original, or three deliveries' tasks) never process it twice;
    a worker that dies rolls back, leaving the row waiting for the re-queue job.
    """
    with transaction.atomic():
        inbound = _waiting_locked_cross_tenant(inbound_id)
        if inbound is None:
            return None
        inbound.tenant = Tenant.objects.get(pk=inbound.tenant_id)
        # The row's tenant is known from here on: everything the intake reads or writes runs
        # under that tenant's guard (a query on tenant data not scoped to it raises).
        with tenant_scope(inbound.tenant):
            inbound_process(tenant=inbound.tenant, inbound=inbound, approved=approved)
        return inbound.status


_LOCK_SQL = """
SELECT {columns} FROM {table}
WHERE id = %s AND tenant_id IS NOT NULL
  AND (status = %s OR (status = %s AND processed_at IS NULL))
FOR NO KEY UPDATE SKIP LOCKED
"""


def _waiting_locked_cross_tenant(inbound_id: int) -> InboundEmail | None:
    """The delivery, locked, if it still waits (`_waiting()`); None if it does not or another
    worker holds it. Written out: it runs for every delivery, and the ORM's compilation of
    the locking query cost more than the statement.

    NO KEY UPDATE: a concurrent duplicate's INSERT pointing at this row (duplicate_of) takes a
    KEY SHARE lock on it, which must not make us skip it."""
    found = select_instances(
        InboundEmail,
        _LOCK_SQL.format(columns=columns_of(InboundEmail), table=InboundEmail._meta.db_table),
        [inbound_id, InboundStatus.RECEIVED.value, InboundStatus.OVERSIZE.value],
    )
    return found[0] if found else None


def inbound_waiting_ids_cross_tenant(*, older_than: timedelta = STALE_AFTER) -> list[int]:
    """Deliveries whose parse task was lost (broker down at commit, worker killed)."""
    cutoff = timezone.now() - older_than
    return list(
        InboundEmail.objects.cross_tenant()
        .filter(_waiting(), received_at__lt=cutoff, tenant__isnull=False)
        .order_by("received_at")
        .values_list("pk", flat=True)[:1000]
    )


def _problem_locked(*, tenant: Tenant, inbound_id: int) -> InboundEmail:
    inbound = (
        InboundEmail.objects.for_tenant(tenant)
        .select_for_update()
        .filter(pk=inbound_id, status__in=PROBLEM_STATUSES)
        .first()
    )
    if inbound is None:
        raise ValidationError("This message is not waiting for a decision.")
    return inbound


@transaction.atomic
def inbound_retry(*, tenant: Tenant, inbound_id: int, actor: Membership) -> InboundEmail:
    """An admin releases a held/failed/oversize message: processed again, holds lifted."""
    from .tasks import inbound_parse

    inbound = _problem_locked(tenant=tenant, inbound_id=inbound_id)
    inbound.status = InboundStatus.RECEIVED
    inbound.reason = f"Released by {actor.user.email}."
    inbound.processed_at = None
    inbound.save(update_fields=["status", "reason", "processed_at"])
    transaction.on_commit(lambda: inbound_parse.delay(inbound.pk, True), robust=True)
    return inbound


@transaction.atomic
def inbound_discard(*, tenant: Tenant, inbound_id: int, actor: Membership) -> InboundEmail:
    inbound = _problem_locked(tenant=tenant, inbound_id=inbound_id)
    inbound.status = InboundStatus.DISCARDED
    inbound.reason = f"Discarded by {actor.user.email}."
    inbound.save(update_fields=["status", "reason"])
    return inbound
