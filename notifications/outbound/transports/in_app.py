"""In-app: the Notification row is the message; the header badge and /notifications/ show it.
Immediate: no Delivery row is written for it (the notification row is the delivery)."""

from __future__ import annotations

from ..models import Delivery, Notification

NAME = "in_app"
IMMEDIATE = True


def applies(notification: Notification) -> bool:
    # Only members have a notifications page; a bare address has nowhere to read it.
    return notification.recipient_id is not None


def deliver(delivery: Delivery) -> str:
    return ""
