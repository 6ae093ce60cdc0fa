"""Thin Celery tasks of the tickets app: take ids (or nothing), call a service."""

from __future__ import annotations

from celery import shared_task

from .services.attachments import attachments_sweep_orphans_cross_tenant


@shared_task(ignore_result=True)
def attachments_sweep_orphans() -> int:
    return attachments_sweep_orphans_cross_tenant()
