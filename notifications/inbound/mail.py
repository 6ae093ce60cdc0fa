"""Sending an acknowledgement. For now through django.core.mail (anymail's backend) after the
transaction commits; the one place to switch onto the notification outbox when it lands."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string

from .acknowledgements import Acknowledgement

logger = logging.getLogger(__name__)


def acknowledgement_message(
    *, ack: Acknowledgement, reply_to: str, message_id: str, in_reply_to: str = ""
) -> EmailMultiAlternatives:
    context = dict(ack.context)
    base = f"notifications/email/{ack.template}"
    subject = " ".join(render_to_string(f"{base}_subject.txt", context).split())
    reference = context.get("reference")
    if reference and f"[{reference}]" not in subject:
        subject = f"[{reference}] {subject}"
    headers = {
        # RFC 3834: automatic mail, so well-behaved responders do not answer it (no loops).
        "Auto-Submitted": "auto-replied",
        "X-Auto-Response-Suppress": "All",
        "Message-ID": message_id,
    }
    if in_reply_to:
        headers["In-Reply-To"] = in_reply_to
        headers["References"] = in_reply_to
    email = EmailMultiAlternatives(
        subject=subject[:250],
        body=render_to_string(f"{base}.txt", context),
        from_email=context.get("from_email") or settings.DEFAULT_FROM_EMAIL,
        to=[ack.recipient],
        reply_to=[reply_to],
        headers=headers,
    )
    email.attach_alternative(render_to_string(f"{base}.html", context), "text/html")
    return email


def acknowledgement_send_on_commit(
    *, ack: Acknowledgement, reply_to: str, message_id: str, in_reply_to: str = ""
) -> None:
    email = acknowledgement_message(
        ack=ack, reply_to=reply_to, message_id=message_id, in_reply_to=in_reply_to
    )

    def send() -> None:
        try:
            email.send()
        except Exception:  # the intake is committed; a lost acknowledgement is logged
            logger.exception("Acknowledgement to %s could not be sent", ack.recipient)

    transaction.on_commit(send)
