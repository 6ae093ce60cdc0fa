"""The webhook's per-request work, pinned (counts, never timings): each header value of a
delivery is parsed once by anymail's parse, the request makes one INSERT, and the parse task
is published once, after the commit."""

from __future__ import annotations

import uuid

import pytest
from anymail import inbound as anymail_inbound
from anymail.inbound import AnymailInboundMessage

from notifications.inbound import parsing
from notifications.inbound.models import InboundEmail, InboundStatus

from .conftest import SUPPORT
from .esp import ESPS
from .mail import raw_email

CLIENT = "client@initech.example"


def _multipart_raw() -> bytes:
    boundary = f"b{uuid.uuid4().hex}"  # a header value no earlier test parsed
    return (
        f"From: Client <{CLIENT}>\r\nTo: {SUPPORT}\r\nSubject: Cost {boundary}\r\n"
        f"Message-ID: <{boundary}@initech.example>\r\nMIME-Version: 1.0\r\n"
        f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'
        f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nplain\r\n"
        f"--{boundary}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>html</p>\r\n"
        f"--{boundary}--\r\n"
    ).encode()


def test_the_webhooks_parse_reads_each_header_value_once(client):
    # The URL conf (loaded by any request) gives anymail's parse the parsed-once policy.
    client.get("/anymail/")
    assert anymail_inbound.default_policy is parsing.PARSE_POLICY
    raw = _multipart_raw()
    before = parsing._header_parsed.cache_info()
    message = AnymailInboundMessage.parse_raw_mime_bytes(raw)
    after = parsing._header_parsed.cache_info()
    # The feed parser reads the top Content-Type many times: one parse, the rest cache hits.
    assert after.misses - before.misses <= 3  # the three Content-Type values, once each
    assert after.hits - before.hits >= 5
    # And the message reads exactly as with email.policy.default.
    assert message["Subject"].startswith("Cost b")
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert message.from_email.addr_spec == CLIENT


@pytest.mark.parametrize("esp", sorted(ESPS))
def test_one_insert_and_one_publish_after_commit_per_delivery(
    acme, client, esp, django_capture_on_commit_callbacks, monkeypatch,
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from notifications.inbound import tasks

    published: list[int] = []
    monkeypatch.setattr(tasks.inbound_parse, "delay", lambda pk, *a, **k: published.append(pk))
    raw = raw_email(sender=CLIENT, to=SUPPORT)
    client.post("/")  # (routing's and the middleware's caches warm)
    ESPS[esp](client, raw_email(sender=CLIENT, to=SUPPORT, subject="warm"),
              recipient=SUPPORT, sender=CLIENT)
    published.clear()
    with (
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        CaptureQueriesContext(connection) as captured,
    ):
        response = ESPS[esp](client, raw, recipient=SUPPORT, sender=CLIENT)
    # The INSERT alone (its savepoint is pytest's transaction's; autocommitted in production).
    sql = [q["sql"].split()[0] for q in captured.captured_queries]
    assert [s for s in sql if s not in ("SAVEPOINT", "RELEASE")] == ["INSERT"]
    assert response.status_code == 200
    assert published == []  # nothing before the commit
    for callback in callbacks:
        callback()
    row = InboundEmail.objects.cross_tenant().get(raw_mime=raw)
    assert row.status == InboundStatus.RECEIVED
    assert published == [row.pk]
