"""Thin tasks: the scan is a service; the task only calls it."""

from __future__ import annotations

from celery import shared_task

from .services import satisfaction_requests_scan_cross_tenant


@shared_task(name="satisfaction.tasks.satisfaction_requests_scan", ignore_result=True)
def satisfaction_requests_scan() -> str:
    return str(satisfaction_requests_scan_cross_tenant())
