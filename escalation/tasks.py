"""Thin tasks: the scan is a service; the task only calls it."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from .breach_scan import scan_helpers_wanted, sla_scan_cross_tenant
from .scan import escalation_scan_cross_tenant


@shared_task(name="escalation.tasks.escalation_scan", ignore_result=True)
def escalation_scan() -> str:
    return str(escalation_scan_cross_tenant())


@shared_task(name="escalation.tasks.sla_scan", ignore_result=True)
def sla_scan(helper: bool = False) -> str:
    """The SLA breach scan (beat, every SLA_SCAN_SECONDS). When more than a batch is due, it
    asks up to SLA_SCAN_PARALLEL - 1 other worker processes to share the pass (each claims
    its own rows with SKIP LOCKED), so a burst of deadlines is worked on every core."""
    now = timezone.now()
    if not helper:
        wanted = scan_helpers_wanted(now=now, parallel=settings.SLA_SCAN_PARALLEL)
        for _ in range(wanted):
            sla_scan.delay(helper=True)
    return str(sla_scan_cross_tenant(now=now, helper=helper))
