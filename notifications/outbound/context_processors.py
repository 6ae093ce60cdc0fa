"""The header's unread count: one COUNT on a partial index, only if a template reads it."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .selectors import unread_count


def _count(request: HttpRequest) -> int:
    # Cached on the request: a page that shows the badge twice still counts once.
    if not hasattr(request, "_notifications_unread"):
        tenant = getattr(request, "tenant", None)
        membership = getattr(request, "membership", None)
        request._notifications_unread = (
            unread_count(tenant=tenant, membership=membership)
            if tenant is not None and membership is not None
            else 0
        )
    return request._notifications_unread


def notifications(request: HttpRequest) -> dict[str, object]:
    return {"notifications_unread": SimpleLazyObject(lambda: _count(request))}
