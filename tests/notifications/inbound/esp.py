"""Inbound webhook payloads built the way django-anymail's own tests build them
(tests/test_sendgrid_inbound.py, tests/test_mailgun_inbound.py, test_mailgun_webhooks.py):
SendGrid's inbound parse with the raw MIME in `email`, Mailgun's route forward to
`.../inbound_mime/` with `body-mime` and the legacy signature fields. The raw bytes go into the
multipart form unchanged (like the ESPs send them), not through the test client's encoder."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid

WEBHOOK_SECRET = "anymail:s3cret-webhook"
OLD_WEBHOOK_SECRET = "anymail:previous-secret"
MAILGUN_SIGNING_KEY = "TEST_MAILGUN_WEBHOOK_SIGNING_KEY"


def basic_auth(secret: str = WEBHOOK_SECRET) -> str:
    return "Basic " + base64.b64encode(secret.encode()).decode()


def multipart(fields: dict[str, str | bytes]) -> tuple[bytes, str]:
    boundary = f"xYzZY{uuid.uuid4().hex}"
    lines: list[bytes] = []
    for name, value in fields.items():
        data = value if isinstance(value, bytes) else value.encode("utf-8")
        lines += [
            f"--{boundary}".encode(),
            f'Content-Disposition: form-data; name="{name}"'.encode(),
            b"",
            data,
        ]
    lines += [f"--{boundary}--".encode(), b""]
    return b"\r\n".join(lines), f"multipart/form-data; boundary={boundary}"


def sendgrid_fields(
    raw: bytes, *, recipient: str, sender: str, spf: str = "pass", spam_score: str = "0.1"
) -> dict[str, str | bytes]:
    return {
        "email": raw,
        "to": recipient,
        "from": sender,
        "subject": "",
        "charsets": '{"to":"UTF-8","subject":"UTF-8","from":"UTF-8"}',
        "envelope": json.dumps({"to": [recipient], "from": sender}),
        "sender_ip": "10.10.1.71",
        "dkim": "{@example.org : pass}",
        "SPF": spf,
        "spam_score": spam_score,
        "spam_report": "Spam detection software, running on the system...",
    }


def mailgun_sign(fields: dict, key: str = MAILGUN_SIGNING_KEY) -> dict:
    fields.setdefault("timestamp", str(int(time.time())))
    fields.setdefault("token", uuid.uuid4().hex + uuid.uuid4().hex[:18])
    fields["signature"] = hmac.new(
        key=key.encode("ascii"),
        msg=f"{fields['timestamp']}{fields['token']}".encode("ascii"),
        digestmod=hashlib.sha256,
    ).hexdigest()
    return fields


def mailgun_fields(raw: bytes, *, recipient: str, sender: str, **extra: str) -> dict:
    return mailgun_sign({
        "recipient": recipient,
        "sender": sender,
        "from": sender,
        "subject": "",
        "body-mime": raw,
        **extra,
    })


def post_sendgrid(client, raw: bytes, *, recipient: str, sender: str, auth: str | None = None,
                  **kwargs):
    body, content_type = multipart(
        sendgrid_fields(raw, recipient=recipient, sender=sender, **kwargs)
    )
    return client.post("/anymail/sendgrid/inbound/", body, content_type=content_type,
                       HTTP_AUTHORIZATION=auth or basic_auth())


def post_mailgun(client, raw: bytes, *, recipient: str, sender: str, auth: str | None = None,
                 **extra):
    body, content_type = multipart(mailgun_fields(raw, recipient=recipient, sender=sender,
                                                  **extra))
    return client.post("/anymail/mailgun/inbound_mime/", body, content_type=content_type,
                       HTTP_AUTHORIZATION=auth or basic_auth())


ESPS = {"sendgrid": post_sendgrid, "mailgun": post_mailgun}


def postmark_json(raw: bytes, *, recipient: str, sender: str) -> str:
    """Postmark's inbound webhook with "Include raw email content" on (anymail's
    tests/test_files/postmark-inbound-test-payload-with-raw.json has the same shape)."""
    return json.dumps({
        "FromFull": {"Email": sender, "Name": ""},
        "ToFull": [{"Email": recipient, "Name": ""}],
        "OriginalRecipient": recipient,
        "MessageID": str(uuid.uuid4()),
        "Headers": [{"Name": "Return-Path", "Value": f"<{sender}>"}],
        # Postmark delivers JSON: the raw message as text (UTF-8).
        "RawEmail": raw.decode("utf-8", "replace"),
    })


def post_postmark(client, raw: bytes, *, recipient: str, sender: str, auth: str | None = None):
    return client.post("/anymail/postmark/inbound/",
                       postmark_json(raw, recipient=recipient, sender=sender),
                       content_type="application/json",
                       HTTP_AUTHORIZATION=auth or basic_auth())


ALL_ESPS = {**ESPS, "postmark": post_postmark}
