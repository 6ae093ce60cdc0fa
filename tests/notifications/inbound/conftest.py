from __future__ import annotations

import pytest

from notifications.inbound.routing import routing_cache_clear

from .esp import MAILGUN_SIGNING_KEY, OLD_WEBHOOK_SECRET, WEBHOOK_SECRET


@pytest.fixture(autouse=True)
def inbound_settings(settings):
    settings.ANYMAIL = {
        "WEBHOOK_SECRET": [WEBHOOK_SECRET, OLD_WEBHOOK_SECRET],
        "MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_SIGNING_KEY,
    }
    settings.INBOUND_DOMAIN = "in.helpdesk.test"
    routing_cache_clear()
    yield settings
    routing_cache_clear()
