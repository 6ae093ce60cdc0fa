"""The knowledge base's periodic job (scheduled in settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def suggestion_clicks_settle_cross_tenant() -> int:
    """Mark suggestion clicks whose ticket was submitted after all, for every tenant, while
    the submissions' one-time-token records still exist (they are swept after a day)."""
    return services.suggestion_clicks_settle_cross_tenant()
