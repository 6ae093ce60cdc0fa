"""The Celery app and the beat schedule of the periodic jobs."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

app = Celery("helpdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Unacknowledged escalations climb their ladders (escalation/scan.py); every 30 s.
app.add_periodic_task(
    30.0, app.signature("escalation.tasks.escalation_scan"), name="escalation-scan"
)
# Outbox: re-queue due deliveries (lost enqueues, retries after a backoff); every minute.
app.add_periodic_task(
    60.0, app.signature("notifications.outbound.deliveries_retry_due"), name="outbox-retry"
)
