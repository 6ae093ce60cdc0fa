"""The transport registry.

A transport is a module with:
- `NAME` (the `Delivery.transport` value),
- `IMMEDIATE` (True when writing the notification row *is* the delivery, as for in-app: no
  delivery row is written and no task is queued),
- `applies(notification) -> bool` (e.g. email needs an address),
- `deliver(delivery) -> str` (the Delivery row, its notification loaded), returning the
  provider's message id; raising `TransientDeliveryError` asks for a retry later,
  `DeliverySuppressed` marks it suppressed, any other exception fails the delivery.
- optionally `address(notification) -> str` (stored on the row) and `MESSAGE_ID = True`
  (a stable Message-ID is generated and written on the row when it is created).

`settings.NOTIFICATION_TRANSPORTS` maps names to module paths: adding a transport is one module
and one entry there.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from django.conf import settings


class TransientDeliveryError(Exception):
    """The provider could not take the message now (network, rate limit): try again later."""


class DeliverySuppressed(Exception):
    """The address is suppressed (hard bounce, complaint): not sent, not retried."""


def transport_modules() -> dict[str, ModuleType]:
    return {
        name: importlib.import_module(path)
        for name, path in settings.NOTIFICATION_TRANSPORTS.items()
    }


def transport_get(name: str) -> ModuleType:
    return importlib.import_module(settings.NOTIFICATION_TRANSPORTS[name])
