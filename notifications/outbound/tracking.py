"""Delivery status from the ESP's tracking webhooks (anymail's `tracking` signal).

The webhook has no tenant: the row is found by the provider message id anymail returned at
send (stored on the Delivery), and everything else follows from that row's tenant. A hard
bounce (anymail's "bounced"; soft ones are "deferred"), a rejection or a complaint suppresses
the address for that tenant: later deliveries to it are marked suppressed, not sent.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from .models import Delivery, Suppression

logger = logging.getLogger(__name__)

# Recorded on the row (anymail's normalised event types).
TRACKED = {"queued", "sent", "delivered", "deferred", "bounced", "rejected", "complained",
           "unsubscribed", "opened", "clicked", "failed"}  # fmt: skip
SUPPRESSING = {"bounced", "rejected", "complained"}
# A later, weaker event never overwrites a final one (an "opened" after "complained").
_FINAL = {"bounced", "rejected", "complained"}


def delivery_track_cross_tenant(
    *, provider_message_id: str, event_type: str, recipient: str = "", detail: str = "",
    at: datetime | None = None,
) -> int:  # fmt: skip
    """Record one tracking event; returns the number of rows it matched (0: not ours)."""
    if not provider_message_id or event_type not in TRACKED:
        return 0
    at = at or timezone.now()
    rows = list(
        Delivery.objects.cross_tenant()
        .select_related("tenant")
        .filter(provider_message_id=provider_message_id, transport="email")
    )
    for row in rows:
        with transaction.atomic():
            if row.tracking_status not in _FINAL or event_type in _FINAL:
                Delivery.objects.for_tenant(row.tenant).filter(pk=row.pk).update(
                    tracking_status=event_type, tracking_detail=detail[:500], tracking_at=at
                )
            address = (recipient or row.address).strip().lower()
            if event_type in SUPPRESSING and address:
                Suppression.objects.for_tenant(row.tenant).get_or_create(
                    tenant=row.tenant, email=address,
                    defaults={"reason": event_type, "detail": detail[:500], "created_at": at},
                )  # fmt: skip
    return len(rows)


def on_tracking(sender: Any, event: Any, esp_name: str, **kwargs: Any) -> None:
    """anymail's `tracking` signal receiver."""
    detail = str(getattr(event, "description", "") or getattr(event, "mta_response", "") or "")
    matched = delivery_track_cross_tenant(
        provider_message_id=str(event.message_id or ""),
        event_type=str(event.event_type or ""),
        recipient=str(event.recipient or ""),
        detail=detail,
        at=event.timestamp,
    )
    if not matched:
        logger.info("%s tracking event %s for unknown message %s",
                    esp_name, event.event_type, event.message_id)  # fmt: skip
