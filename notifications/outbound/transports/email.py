"""Email: a Delivery row sent through Django's email API, i.e. anymail's EMAIL_BACKEND.

At most once per row: the Message-ID is generated and written on the row when it is created
(`MESSAGE_ID`), the core claims the row pending -> sending with a conditional UPDATE before
calling `deliver`, and a retry after a lost worker sends the same Message-ID again so the ESP
(or the recipient's mail client) can drop a duplicate.

Who gets email: an explicit address (`recipient_email`: requesters, CCs, acknowledgements) always;
a member recipient only for the kinds in `settings.NOTIFICATION_EMAIL_MEMBER_KINDS` (the
escalation ladder's notices, breach warnings included: the people the ladder names are emailed
as well as notified in-app).
"""

from __future__ import annotations

import logging

from anymail.exceptions import AnymailError, AnymailRecipientsRefused
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection

from ..models import Delivery, Notification, Suppression
from . import DeliverySuppressed, TransientDeliveryError

logger = logging.getLogger(__name__)

NAME = "email"
IMMEDIATE = False
MESSAGE_ID = True


def address(notification: Notification) -> str:
    if notification.recipient_email:
        return notification.recipient_email.strip()
    if notification.recipient_id is not None:
        return notification.recipient.user.email
    return ""


def applies(notification: Notification) -> bool:
    if notification.recipient_email:
        return True
    kinds = tuple(getattr(settings, "NOTIFICATION_EMAIL_MEMBER_KINDS", ()))
    return bool(kinds) and notification.kind.startswith(kinds) and bool(address(notification))


def message_build(delivery: Delivery) -> EmailMultiAlternatives:
    notification = delivery.notification
    headers = {str(k): str(v) for k, v in (notification.headers or {}).items()}
    headers["Message-ID"] = delivery.message_id
    if notification.automatic:
        # RFC 3834: mail nobody typed, so well-behaved responders do not answer it (no loops).
        headers["Auto-Submitted"] = "auto-replied"
        headers["X-Auto-Response-Suppress"] = "All"
    email = EmailMultiAlternatives(
        subject=" ".join(notification.subject.split()),
        body=notification.body,
        from_email=notification.from_email or settings.DEFAULT_FROM_EMAIL,
        to=[delivery.address or address(notification)],
        reply_to=[notification.reply_to] if notification.reply_to else [],
        headers=headers,
    )
    if notification.body_html:
        email.attach_alternative(notification.body_html, "text/html")
    return email


def _suppressed_reason(*, tenant_id: int, email: str) -> str | None:
    """Why the tenant suppressed this address, or None. Written out: asked for every email,
    and the ORM's compilation cost more than the statement. Suppressions are stored
    lower-case (tracking): an exact match on the lower-cased address. Not case-blind:
    PostgreSQL's UPPER() folds look-alikes together (UPPER('ı') = 'I'), so a complaint from
    pat@maıl.example would silence pat@mail.example."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT reason FROM {Suppression._meta.db_table} "  # noqa: S608 - our table
            "WHERE tenant_id = %s AND email = %s LIMIT 1",
            [tenant_id, email.strip().lower()],
        )
        row = cursor.fetchone()
    return None if row is None else row[0]


def deliver(delivery: Delivery) -> str:
    to = delivery.address or address(delivery.notification)
    if not to:
        raise ValueError("No address to send to.")
    reason = _suppressed_reason(tenant_id=delivery.tenant_id, email=to)
    if reason is not None:
        raise DeliverySuppressed(f"{to} is suppressed ({reason}).")
    email = message_build(delivery)
    try:
        email.send()
    except AnymailRecipientsRefused:
        raise  # permanent: the ESP refuses this address
    except (AnymailError, OSError) as error:
        # Network trouble, rate limits, ESP 5xx: try again later with the same Message-ID.
        raise TransientDeliveryError(f"{type(error).__name__}: {error}") from error
    # anymail's id for the message (the tracking webhooks report it); a backend without one
    # (SMTP, console) leaves our own Message-ID.
    provider_id = getattr(getattr(email, "anymail_status", None), "message_id", None)
    if provider_id is None or provider_id == "" or isinstance(provider_id, set):
        return delivery.message_id[:250]
    return str(provider_id)[:250]
