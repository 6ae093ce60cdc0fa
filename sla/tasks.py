"""Thin Celery tasks: take ids, call the service (per-tenant work runs in `tenant_scope`)."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.db.models import Q
from django.utils import timezone

from tenants.scoping import tenant_scope

from .models import RecomputeJob
from .recompute import LEASE, recompute_job_run


@shared_task(acks_late=True)
def recompute_clocks(job_id: int) -> None:
    """Run one recompute job inside its tenant's scope (the job row names the tenant: that
    one lookup by id is the only statement outside the scope)."""
    job = RecomputeJob.objects.cross_tenant().select_related("tenant").filter(pk=job_id).first()
    if job is None:
        return
    with tenant_scope(job.tenant):
        recompute_job_run(tenant=job.tenant, job_id=job_id)


@shared_task
def recompute_pending_jobs_cross_tenant() -> int:
    """Beat: re-queue jobs of every tenant that are not progressing.

    * pending a minute after creation (the broker was down when the commit hook fired);
    * running with a heartbeat older than the lease (the worker died mid-job: the next claim
      takes it over, or marks it failed after too many takeovers).

    Claiming is a conditional UPDATE, so a duplicate delivery is harmless.
    """
    now = timezone.now()
    stale = (
        Q(status=RecomputeJob.Status.PENDING, created_at__lt=now - timedelta(minutes=1))
        | Q(status=RecomputeJob.Status.RUNNING, heartbeat_at__lt=now - LEASE)
        | Q(status=RecomputeJob.Status.RUNNING, heartbeat_at__isnull=True)
    )
    ids = list(
        RecomputeJob.objects.cross_tenant().filter(stale).values_list("pk", flat=True)[:100]
    )
    for job_id in ids:
        recompute_clocks.delay(job_id)
    return len(ids)


@shared_task
def maintenance_notices_scan_cross_tenant() -> int:
    """Beat: announce maintenance occurrences (and moves, cancellations) for every tenant with
    a window. Each tenant's scan runs in its scope; notices are unique rows, so overlapping
    runs send nothing twice."""
    from tenants.models import Tenant

    from .models import MaintenanceWindow
    from .notices import maintenance_notices_scan

    tenant_ids = set(
        MaintenanceWindow.objects.cross_tenant().values_list("tenant_id", flat=True).distinct()
    )
    sent = 0
    for tenant in Tenant.objects.filter(pk__in=tenant_ids, is_active=True).order_by("pk"):
        with tenant_scope(tenant):
            result = maintenance_notices_scan(tenant=tenant)
            sent += result.announced + result.moved + result.cancelled
    return sent
