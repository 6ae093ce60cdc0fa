"""The webhooks take a whole raw message, however far over the site's form limit."""

from __future__ import annotations

import pytest

from notifications.inbound.models import InboundEmail

from .conftest import SUPPORT
from .esp import post_mailgun, post_sendgrid
from .mail import raw_email

CLIENT = "client@initech.example"


@pytest.mark.django_db
@pytest.mark.parametrize("post", [post_sendgrid, post_mailgun])
def test_a_message_over_the_sites_body_limit_still_arrives(acme, client, settings, post):
    # tenants.input_guard.BodySizeMiddleware holds every other route to these
    settings.REQUEST_BODY_MAX_BYTES = 4_000
    settings.ATTACHMENT_MAX_FILES, settings.ATTACHMENT_MAX_BYTES = 2, 3_000
    raw = raw_email(sender=CLIENT, to=SUPPORT, body="y" * 20_000)
    assert len(raw) > 10_000
    assert post(client, raw, recipient=SUPPORT, sender=CLIENT).status_code == 200
    assert InboundEmail.objects.get().size >= 20_000
