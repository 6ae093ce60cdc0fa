"""The anymail `inbound` signal receiver: store the delivery raw, queue parsing on commit.

It does only what must happen while the ESP waits: refuse replays (stale timestamp, reused
event id), choose the tenant from the envelope recipient, and write one InboundEmail row.
Everything else (parsing, tickets, acknowledgements) runs in a Celery task after commit.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
from datetime import timedelta
from typing import Any

from anymail.exceptions import AnymailWebhookValidationFailure
from django.conf import settings
from django.db import IntegrityError, transaction
from django.http.multipartparser import MultiPartParser
from django.utils import timezone

from .models import InboundEmail, InboundStatus
from .parsing import header_decode, text_clean
from .routing import route_cross_tenant

logger = logging.getLogger(__name__)

MESSAGE_ID_MAX = 500


def inbound_received(sender: Any, event: Any, esp_name: str, **kwargs: Any) -> None:
    """anymail's inbound signal: one delivery. Raising AnymailWebhookValidationFailure -> 400."""
    _refuse_stale(event)
    inbound_store_cross_tenant(event=event, esp_name=esp_name)


def _refuse_stale(event: Any) -> None:
    # Only ESPs that sign a timestamp (Mailgun) give one; SendGrid's inbound parse does not.
    if event.timestamp is None:
        return
    age = abs(timezone.now() - event.timestamp)
    if age > timedelta(seconds=settings.INBOUND_WEBHOOK_MAX_AGE_SECONDS):
        raise AnymailWebhookValidationFailure("Stale inbound webhook timestamp refused.")


def inbound_store_cross_tenant(*, event: Any, esp_name: str) -> InboundEmail:
    """Write the delivery's row (the tenant is not known until the recipient is routed)."""
    message = event.message
    raw = raw_mime_of(event)
    route = route_cross_tenant(message.envelope_recipient or "")
    row = InboundEmail(
        tenant=route.tenant,
        esp=esp_name[:40],
        event_id=(event.event_id or "")[:200],
        envelope_sender=text_clean(message.envelope_sender or "")[:320],
        envelope_recipient=text_clean(message.envelope_recipient or "")[:320],
        from_address=_from_address(message),
        subject=header_decode(_safe_header(message, "Subject"))[:250],
        message_id=message_id_of(message, raw),
        headers=_headers_text(message),
        raw_mime=raw,
        size=len(raw),
        verdicts=verdicts_of(event),
        routed_ticket_id=route.ticket_id,
    )
    if route.tenant is None:
        row.status, row.reason = InboundStatus.UNROUTABLE, "No tenant has this address."
    elif row.size > settings.INBOUND_MAX_BYTES:
        row.status, row.reason = InboundStatus.OVERSIZE, "Over INBOUND_MAX_BYTES."
    # One INSERT, committed on its own (the webhook holds no transaction open): the row is
    # durable before the ESP hears 200, and the parse task is queued only after that.
    _insert(row)
    if row.status in (InboundStatus.RECEIVED, InboundStatus.OVERSIZE):
        # robust: a broker that is down must not lose the stored row or fail the webhook;
        # the beat job re-queues rows still waiting (inbound_requeue_stale_cross_tenant).
        transaction.on_commit(lambda: _queue(row.pk), robust=True)
    return row


def _queue(inbound_id: int) -> None:
    from .tasks import inbound_parse

    inbound_parse.delay(inbound_id)


def _insert(row: InboundEmail) -> None:
    try:
        _insert_once(row)
    except _SameMessage:
        # Another delivery of the same message (perhaps at this very moment: the unique index
        # made us wait for its commit). Keep this copy too, marked, and do nothing with it.
        row.pk = None
        row.status, row.reason = InboundStatus.DUPLICATE, "Same Message-ID already received."
        row.duplicate_of = (
            InboundEmail.objects.for_tenant(row.tenant)
            .filter(message_id=row.message_id)
            .exclude(status=InboundStatus.DUPLICATE)
            .first()
        )
        _insert_once(row)


class _SameMessage(Exception):
    pass


def _insert_once(row: InboundEmail) -> None:
    try:
        if transaction.get_connection().in_atomic_block:
            with transaction.atomic():  # a savepoint, so the caller's transaction survives
                row.save(force_insert=True)
        else:
            row.save(force_insert=True)
    except IntegrityError as error:
        constraint = getattr(getattr(error.__cause__, "diag", None), "constraint_name", "")
        if constraint == "inbound_event_id_once":
            raise AnymailWebhookValidationFailure("Replayed inbound event id refused.") from None
        if constraint == "inbound_message_once_per_tenant":
            raise _SameMessage from None
        raise


def raw_mime_of(event: Any) -> bytes:
    """The raw message as the ESP gave it, else anymail's re-serialisation of it."""
    esp_event = event.esp_event
    raw: Any = None
    post = getattr(esp_event, "POST", None)
    if post is not None:
        raw = post.get("email") or post.get("body-mime")
        if isinstance(raw, str) and "\ufffd" not in raw:
            # Django decoded the field as UTF-8 without replacing anything: the bytes were
            # valid UTF-8 (or ASCII), and encoding gives them back exactly.
            return raw.encode("utf-8")
        exact = _exact_form_field(esp_event, ("email", "body-mime"))
        if exact is not None:
            return exact
    elif isinstance(esp_event, dict):
        raw = esp_event.get("RawEmail") or _ses_content(esp_event)
        if isinstance(raw, bytes):
            return raw
    if isinstance(raw, str):
        return raw.encode("utf-8", "surrogateescape")
    try:
        return event.message.as_bytes()
    except Exception:  # noqa: BLE001 - malformed beyond re-serialising: keep what we can
        return str(event.message).encode("utf-8", "replace")


def _ses_content(ses_event: dict) -> bytes | str | None:
    """An Amazon SES receipt's message as sent (an SNS action carries it in `content`,
    base64 or UTF-8 text; an S3 action's is fetched by anymail, and re-serialised)."""
    content = ses_event.get("content")
    if not isinstance(content, str):
        return None
    action = (ses_event.get("receipt") or {}).get("action") or {}
    if action.get("encoding") == "BASE64":
        try:
            return base64.b64decode(content.encode("ascii"), validate=False)
        except (ValueError, UnicodeEncodeError):
            return None
    return content


def _exact_form_field(request: Any, names: tuple[str, ...]) -> bytes | None:
    """A form field's bytes exactly as posted (Django's own parser, decoding as Latin-1,
    which maps every byte to one character and back)."""
    content_type = request.META.get("CONTENT_TYPE", "")
    if not content_type.startswith("multipart/form-data"):
        return None
    try:
        body = request.body
        parser = MultiPartParser(
            request.META, io.BytesIO(body), request.upload_handlers, encoding="iso-8859-1"
        )
        fields, _files = parser.parse()
    except Exception:  # noqa: BLE001 - fall back to the field as anymail decoded it
        return None
    for name in names:
        value = fields.get(name)
        if value:
            return value.encode("iso-8859-1")
    return None


def message_id_of(message: Any, raw: bytes) -> str:
    value = " ".join(_safe_header(message, "Message-ID").split())
    if value and len(value) <= MESSAGE_ID_MAX:
        return value
    # No (or an absurd) Message-ID: the same bytes delivered twice are still one message.
    source = value.encode() if value else raw
    return f"<sha256.{hashlib.sha256(source).hexdigest()}@no-message-id>"


def _safe_header(message: Any, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:  # noqa: BLE001 - a header the parser cannot decode
        value = None
        for key, raw_value in message.raw_items():
            if key.lower() == name.lower():
                value = raw_value
                break
    return text_clean(str(value or "")).strip()


def _from_address(message: Any) -> str:
    try:
        sender = message.from_email
    except Exception:  # noqa: BLE001
        return ""
    if isinstance(sender, list):
        sender = sender[0] if sender else None
    return text_clean(getattr(sender, "addr_spec", "") or "").lower()[:320]


def _headers_text(message: Any) -> str:
    try:
        return text_clean("\n".join(f"{k}: {v}" for k, v in message.raw_items()))
    except Exception:  # noqa: BLE001
        return ""


def verdicts_of(event: Any) -> dict[str, Any]:
    """The ESP's spam and authentication verdicts, as given (judged later, in classify)."""
    message = event.message
    verdicts: dict[str, Any] = {
        "spam_detected": message.spam_detected,
        "spam_score": message.spam_score,
    }
    post = getattr(event.esp_event, "POST", None)
    if post is not None:  # SendGrid inbound parse fields
        for key, name in (("SPF", "spf"), ("dkim", "dkim")):
            if post.get(key):
                verdicts[name] = str(post.get(key))[:200]
    esp_event = event.esp_event
    if isinstance(esp_event, dict):  # Amazon SES receipt verdicts
        receipt = (esp_event.get("receipt") or {}) if "receipt" in esp_event else {}
        for key in ("spf", "dkim", "dmarc"):
            status = (receipt.get(f"{key}Verdict") or {}).get("status")
            if status:
                verdicts[key] = str(status)[:200]
    for header in ("Authentication-Results", "X-Mailgun-Spf", "X-Mailgun-Dkim-Check-Result",
                   "Received-SPF", "X-Spam-Status", "X-Spam-Flag"):
        value = _safe_header(message, header)
        if value:
            verdicts[header.lower()] = value[:500]
    return verdicts
