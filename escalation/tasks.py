"""Thin tasks: the scan is a service; the task only calls it."""

from __future__ import annotations

from celery import shared_task

from .scan import escalation_scan_cross_tenant


@shared_task(name="escalation.tasks.escalation_scan", ignore_result=True)
def escalation_scan() -> str:
    return str(escalation_scan_cross_tenant())
