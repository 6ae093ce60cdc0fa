"""Thin tasks: the scan is a service; the task only calls it."""

from __future__ import annotations

from celery import shared_task

from .breach_scan import sla_scan_cross_tenant
from .scan import escalation_scan_cross_tenant


@shared_task(name="escalation.tasks.escalation_scan", ignore_result=True)
def escalation_scan() -> str:
    return str(escalation_scan_cross_tenant())


@shared_task(name="escalation.tasks.sla_scan", ignore_result=True)
def sla_scan() -> str:
    """The SLA breach scan (beat, every SLA_SCAN_SECONDS)."""
    return str(sla_scan_cross_tenant())
