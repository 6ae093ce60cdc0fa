"""Thin Celery tasks: take ids, call the service."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from .models import RecomputeJob
from .recompute import recompute_job_run


@shared_task(acks_late=True)
def recompute_clocks(job_id: int) -> None:
    recompute_job_run(job_id)


@shared_task
def recompute_pending_jobs_cross_tenant() -> int:
    """Beat: re-queue jobs still pending a minute after creation (the broker was down when the
    commit hook fired). Claiming is a conditional UPDATE, so a duplicate delivery is harmless."""
    stale = timezone.now() - timedelta(minutes=1)
    ids = list(
        RecomputeJob.objects.cross_tenant()
        .filter(status=RecomputeJob.Status.PENDING, created_at__lt=stale)
        .values_list("pk", flat=True)[:100]
    )
    for job_id in ids:
        recompute_clocks.delay(job_id)
    return len(ids)
