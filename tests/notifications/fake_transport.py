"""A test transport (like email will be): queued, delivered by the task, records each send."""

from __future__ import annotations

import threading

from notifications.outbound.models import Delivery, Notification
from notifications.outbound.transports import TransientDeliveryError

NAME = "fake"
IMMEDIATE = False
SENT: list[int] = []
_lock = threading.Lock()


def applies(notification: Notification) -> bool:
    return True


def deliver(delivery: Delivery) -> str:
    notification = delivery.notification
    if "flaky" in notification.subject and not any(n == -notification.pk for n in SENT):
        SENT.append(-notification.pk)  # fail the first time only
        raise TransientDeliveryError("try later")
    if "broken" in notification.subject:
        raise ValueError("no such mailbox")
    with _lock:
        SENT.append(notification.pk)
    return f"msg-{notification.pk}"
