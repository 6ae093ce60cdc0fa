"""Raw test messages written here (the corpus files are read as bytes elsewhere)."""

from __future__ import annotations

import uuid


def raw_email(
    *,
    sender: str,
    to: str,
    subject: str = "Printer on fire",
    body: str = "The printer in room 4 is on fire.\n",
    message_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> bytes:
    message_id = message_id or f"<{uuid.uuid4().hex}@mail.example.org>"
    lines = [
        f"From: Some Client <{sender}>",
        f"To: {to}",
        f"Subject: {subject}",
        "Date: Sun, 29 Nov 2026 10:00:00 +0000",
        f"Message-ID: {message_id}",
        "MIME-Version: 1.0",
        'Content-Type: text/plain; charset="utf-8"',
        "Content-Transfer-Encoding: 8bit",
    ]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n" + body.replace("\n", "\r\n")).encode("utf-8")
