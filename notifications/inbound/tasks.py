"""Thin Celery tasks: load by id, call the service, retry only on transient errors."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from .services import inbound_process_cross_tenant, inbound_waiting_ids_cross_tenant


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=8,
)
def inbound_parse(inbound_id: int, approved: bool = False) -> str | None:
    return inbound_process_cross_tenant(inbound_id=inbound_id, approved=approved)


@shared_task
def inbound_requeue_stale_cross_tenant() -> int:
    ids = inbound_waiting_ids_cross_tenant()
    for inbound_id in ids:
        inbound_parse.delay(inbound_id)
    return len(ids)
