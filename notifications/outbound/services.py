"""Writing notifications (in the caller's transaction) and delivering them.

`notification_send` is called explicitly by the services of other apps, inside their own
transaction: the rows commit or roll back with the change that caused them (no signals). Each
non-immediate delivery is handed to a Celery task on commit; the retry sweep picks up any
whose enqueue was lost.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape as html_escape
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from tenants.bulk import columns_of, copy_rows, fetch_binary, select_joined
from tenants.models import Membership, Tenant

from . import tokens
from .models import Delivery, DeliveryStatus, Notification
from .transports import (
    DeliverySuppressed,
    TransientDeliveryError,
    transport_get,
    transport_modules,
)

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# A claimed ("sending") row older than this belongs to a worker that died mid-send.
SENDING_LEASE = timedelta(minutes=15)


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    body_html: str


def notification_render(*, kind: str, context: Mapping[str, Any]) -> Rendered:
    """The texts of `kind` from its three templates: `notifications/<kind>_subject.txt`,
    `<kind>.txt` and `<kind>.html`."""
    subject = render_to_string(f"notifications/{kind}_subject.txt", dict(context))
    return Rendered(
        # One line: a subject template's trailing newline would break an email header.
        subject=" ".join(subject.split())[:250],
        body=render_to_string(f"notifications/{kind}.txt", dict(context)).strip(),
        body_html=render_to_string(f"notifications/{kind}.html", dict(context)).strip(),
    )


_MARK = "\ue000m{}X\ue001"
_MARKED = re.compile("\ue000m(\\d+)X\ue001")
# Stands in for every text value when checking that a template shows values as they are: mixed
# case, spaces, a line break, HTML's special characters, a URL, an address, non-ASCII, and
# longer than any truncation we would use.
_PROBE = ("Probe <b>&amp;</b> \"q\" 'a' Mixed Case\nsecond line\thttps://x.example/p?a=1&b=2 "
          "who@x.example Ünïcödé 漢字 ") * 12


def notification_render_many(*, kind: str, contexts: Sequence[Mapping[str, Any]]) -> list[Rendered]:
    """`notification_render` for many contexts of one kind, the same texts at a fraction of the
    cost: the templates are rendered once per *shape* of context (which text values are empty,
    every other value as it is) with a marker for each text value, and each context's values
    are put in place of the markers (HTML-escaped in the HTML body).

    Only where that is exact: for each shape the templates are also rendered with a probe
    value for every text (see _PROBE) and compared with the substitution; a template that does
    anything to a value but show it (a filter, a comparison) fails the check and that shape is
    rendered context by context."""
    results: list[Rendered | None] = [None] * len(contexts)
    shapes: dict[tuple, list[int]] = {}
    for index, context in enumerate(contexts):
        shape = tuple(
            (key, bool(value)) if isinstance(value, str) else (key, "=", repr(value))
            for key, value in sorted(context.items())
        )
        shapes.setdefault(shape, []).append(index)
    for members in shapes.values():
        first = contexts[members[0]]
        texts = [k for k, v in sorted(first.items()) if isinstance(v, str) and v]
        marked = _Marked(notification_render(
            kind=kind, context={**first, **{k: _MARK.format(i) for i, k in enumerate(texts)}}
        ))  # fmt: skip
        probe = {**first, **{k: f"{_PROBE}{i}" for i, k in enumerate(texts)}}
        if marked.fill([probe[k] for k in texts]) != notification_render(kind=kind,
                                                                          context=probe):
            for index in members:
                results[index] = notification_render(kind=kind, context=contexts[index])
            continue
        for index in members:
            context = contexts[index]
            results[index] = marked.fill([context[k] for k in texts])
    return [r for r in results if r is not None]


class _Marked:
    """The texts of one render with a marker for each text value, split once at the markers:
    filling one context is a join of the pieces (its values HTML-escaped in the HTML body)."""

    def __init__(self, marked: Rendered) -> None:
        self.subject = _MARKED.split(marked.subject)
        self.body = _MARKED.split(marked.body)
        self.body_html = _MARKED.split(marked.body_html)

    @staticmethod
    def _join(pieces: list[str], values: list[str]) -> str:
        # re.split with one group: literal, value index, literal, … (odd positions: indexes)
        out = pieces[:]
        for position in range(1, len(out), 2):
            out[position] = values[int(out[position])]
        return "".join(out)

    def fill(self, values: list[str]) -> Rendered:
        subject = self._join(self.subject, values)
        return Rendered(
            subject=" ".join(subject.split())[:250],
            body=self._join(self.body, values).strip(),
            body_html=self._join(self.body_html, [html_escape(v) for v in values]).strip(),
        )


def _unique(recipients: Iterable[Membership | str]) -> list[Membership | str]:
    seen: set[object] = set()
    found: list[Membership | str] = []
    for recipient in recipients:
        key = recipient.pk if isinstance(recipient, Membership) else recipient.strip().lower()
        if key and key not in seen:
            seen.add(key)
            found.append(recipient)
    return found


def notification_send(
    *,
    tenant: Tenant,
    recipients: Iterable[Membership | str],
    kind: str,
    subject: str,
    body: str,
    link: str = "",
    body_html: str = "",
    at: datetime | None = None,
    topic: str = "",
    thread_id: int = 0,
    reply_to: str = "",
    from_email: str = "",
    headers: Mapping[str, str] | None = None,
    automatic: bool = True,
) -> list[Notification]:
    """Write one notification per recipient (a member, or a bare email address) and a delivery
    row per transport that applies; queue the non-immediate ones after commit.

    The email fields are generic: `topic` names what the message is about (shown with it),
    `thread_id` is the id its Message-ID and reply token are signed for (0: none),
    `reply_to`/`headers` are copied onto the mail as they are."""
    at = at or timezone.now()
    notifications = [
        Notification(
            tenant=tenant,
            recipient=recipient if isinstance(recipient, Membership) else None,
            recipient_email="" if isinstance(recipient, Membership) else recipient.strip(),
            kind=kind,
            subject=subject[:250],
            body=body,
            body_html=body_html,
            link=link[:500],
            topic=topic[:60],
            thread_id=thread_id,
            reply_to=reply_to[:250],
            from_email=from_email[:250],
            headers=dict(headers or {}),
            automatic=automatic,
            created_at=at,
        )
        for recipient in _unique(recipients)
        if not isinstance(recipient, Membership) or recipient.is_active
    ]
    if not notifications:
        return []
    Notification.objects.bulk_create(notifications)
    deliveries = [
        Delivery(tenant=tenant, notification=notification, transport=name, created_at=at,
                 **_delivery_values(transport, notification, tenant.pk, at))  # fmt: skip
        for name, transport in _queued_transports()
        for notification in notifications
        if transport.applies(notification)
    ]
    Delivery.objects.bulk_create(deliveries)
    pending = [(d.tenant_id, d.pk) for d in deliveries if d.status == DeliveryStatus.PENDING]
    if pending:
        transaction.on_commit(lambda: _enqueue(pending))
    return notifications


def _queued_transports() -> list[tuple[str, Any]]:
    """The transports that deliver later, through a delivery row and a task. An immediate one
    (in-app) gets no row: the notification row is its delivery, shown by the header badge
    and the notifications page the moment it commits."""
    return [(n, t) for n, t in transport_modules().items() if not t.IMMEDIATE]


def _delivery_values(
    transport: Any, notification: Any, tenant_id: int, at: datetime
) -> dict[str, Any]:
    """What a new delivery row of `transport` holds (for `notification_send` and its bulk
    twin): pending, due now, with its address and a Message-ID stable from the start (every
    attempt reuses it)."""
    return {
        "status": DeliveryStatus.PENDING,
        "sent_at": None,
        "next_attempt_at": at,
        "address": transport.address(notification) if hasattr(transport, "address") else "",
        "message_id": tokens.message_id_new(tenant_id=tenant_id, ticket_id=notification.thread_id)
        if getattr(transport, "MESSAGE_ID", False) else "",
    }  # fmt: skip


def notification_send_email(
    *,
    tenant: Tenant,
    recipients: Iterable[Membership | str],
    event: str,
    context: Mapping[str, Any],
    link: str = "",
    at: datetime | None = None,
    topic: str = "",
    thread_id: int = 0,
    reply_to: str = "",
    from_email: str = "",
    headers: Mapping[str, str] | None = None,
    automatic: bool = True,
) -> list[Notification]:
    """A notification rendered from the email templates of `event` (the tenant's override or
    the files under templates/notifications/email/): the subject carries `[reference]`."""
    from .email_templates import email_render

    rendered = email_render(tenant=tenant, event=event, context=context)
    return notification_send(
        tenant=tenant, recipients=recipients, kind=f"email_{event}"[:60],
        subject=rendered.subject, body=rendered.body, body_html=rendered.body_html,
        link=link, at=at, topic=topic, thread_id=thread_id, reply_to=reply_to,
        from_email=from_email, headers=headers, automatic=automatic,
    )  # fmt: skip


def notification_send_template(
    *,
    tenant: Tenant,
    recipients: Iterable[Membership | str],
    kind: str,
    context: Mapping[str, Any],
    link: str = "",
    at: datetime | None = None,
) -> list[Notification]:
    rendered = notification_render(kind=kind, context=context)
    return notification_send(
        tenant=tenant,
        recipients=recipients,
        kind=kind,
        subject=rendered.subject,
        body=rendered.body,
        body_html=rendered.body_html,
        link=link,
        at=at,
    )


@dataclass(frozen=True)
class Outgoing:
    """One message for `notification_send_many`: its recipients and its rendered texts."""

    tenant: Tenant
    recipients: tuple[Membership | str, ...]
    kind: str
    rendered: Rendered
    link: str = ""


class _Draft(NamedTuple):
    """A notification about to be written, with the attributes the transports' `applies` and
    `address` read (`recipient`, `recipient_id`, `recipient_email`, `kind`, `thread_id`)."""

    id: int
    tenant_id: int
    recipient: Membership | None
    recipient_id: int | None
    recipient_email: str
    kind: str
    thread_id: int
    subject: str
    body: str
    body_html: str
    link: str


_NOTIFICATION_COLUMNS = (
    ("id", "int8"), ("tenant_id", "int8"), ("recipient_id", "int8"),
    ("recipient_email", "varchar"), ("kind", "varchar"), ("subject", "varchar"),
    ("body", "text"), ("body_html", "text"), ("link", "varchar"), ("topic", "varchar"),
    ("thread_id", "int8"), ("reply_to", "varchar"), ("from_email", "varchar"),
    ("headers", "jsonb"), ("automatic", "bool"), ("created_at", "timestamptz"),
)  # fmt: skip
_DELIVERY_COLUMNS = (
    ("id", "int8"), ("tenant_id", "int8"), ("notification_id", "int8"), ("transport", "varchar"),
    ("status", "varchar"), ("attempts", "int2"), ("last_error", "text"),
    ("next_attempt_at", "timestamptz"), ("sent_at", "timestamptz"),
    ("provider_message_id", "varchar"), ("message_id", "varchar"), ("address", "varchar"),
    ("tracking_status", "varchar"), ("tracking_detail", "varchar"), ("created_at", "timestamptz"),
)  # fmt: skip


def _new_ids(model: type[Notification] | type[Delivery], count: int) -> list[int]:
    """`count` ids from the table's own sequence, so rows can be written by COPY (which
    returns nothing) and still be referred to. One statement: the sequence is named once
    (MATERIALIZED: `pg_get_serial_sequence` per row cost ten times the `nextval`s), and the
    ids come back as one binary array."""
    rows = fetch_binary(
        "WITH q AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, 'id')::regclass AS s) "
        "SELECT array_agg(nextval(q.s)) FROM q, generate_series(1, %s)",
        [model._meta.db_table, count],
    )
    return rows[0][0] or []


def notification_send_many(*, messages: Iterable[Outgoing], at: datetime) -> int:
    """`notification_send` for many messages (of any tenants) in four statements (two id
    reservations, two COPYs), no model instances: for a scan that notifies thousands at once.
    The same rows as `notification_send` (an email delivery gets its address and its stable
    Message-ID). Returns the number of notifications written."""
    found = []
    for message in messages:
        for recipient in _unique(message.recipients):
            member = recipient if isinstance(recipient, Membership) else None
            if member is not None and not member.is_active:
                continue
            found.append((message, member, "" if member else str(recipient).strip()))
    if not found:
        return 0
    ids = _new_ids(Notification, len(found))
    drafts = [
        _Draft(pk, message.tenant.pk, member, member.pk if member else None, email,
               message.kind, 0, message.rendered.subject[:250], message.rendered.body,
               message.rendered.body_html, message.link[:500])  # fmt: skip
        for pk, (message, member, email) in zip(ids, found, strict=True)
    ]
    copy_rows(table=Notification._meta.db_table, columns=_NOTIFICATION_COLUMNS, rows=[
        (d.id, d.tenant_id, d.recipient_id, d.recipient_email, d.kind, d.subject, d.body,
         d.body_html, d.link, "", 0, "", "", {}, True, at)
        for d in drafts
    ])  # fmt: skip
    planned = [
        (draft, name, transport)
        for name, transport in _queued_transports()
        for draft in drafts
        if transport.applies(draft)
    ]
    delivery_ids = _new_ids(Delivery, len(planned)) if planned else []
    rows, pending = [], []
    for pk, (draft, name, transport) in zip(delivery_ids, planned, strict=True):
        values = _delivery_values(transport, draft, draft.tenant_id, at)
        rows.append((
            pk, draft.tenant_id, draft.id, name, values["status"], 0, "",
            values["next_attempt_at"], values["sent_at"], "", values["message_id"],
            values["address"], "", "", at,
        ))  # fmt: skip
        if values["status"] == DeliveryStatus.PENDING:
            pending.append((draft.tenant_id, pk))
    if rows:
        copy_rows(table=Delivery._meta.db_table, columns=_DELIVERY_COLUMNS, rows=rows)
    if pending:
        transaction.on_commit(lambda: _enqueue(pending))
    return len(drafts)


QUEUE_CHUNK = 100


def _enqueue(pending: list[tuple[int, int]]) -> None:
    """Hand rows to the worker, QUEUE_CHUNK ids per task (grouped by tenant inside it): a scan
    that notifies thousands of people of a hundred tenants publishes tens of messages, not
    thousands. A broker that is down loses nothing: the rows stay pending and due, and the
    retry sweep queues them again."""
    from .tasks import deliveries_send

    for start in range(0, len(pending), QUEUE_CHUNK):
        by_tenant: dict[int, list[int]] = {}
        for tenant_id, delivery_id in pending[start:start + QUEUE_CHUNK]:
            by_tenant.setdefault(tenant_id, []).append(delivery_id)
        groups = sorted(by_tenant.items())
        try:
            # A short argsrepr: Celery would otherwise walk every id to log-format the args.
            ids = sum(len(i) for _t, i in groups)
            deliveries_send.apply_async((groups,), argsrepr=f"({len(groups)} tenants, {ids} ids)")
        except Exception:  # any broker failure: left for the sweep
            logger.exception("Could not queue %s deliveries: left for the sweep", len(pending))
            return


def notification_mark_read(
    *, tenant: Tenant, membership: Membership, notification_id: int, at: datetime | None = None
) -> bool:
    """Mark one of the member's own notifications read; False when it is not theirs."""
    found = Notification.objects.for_tenant(tenant).filter(
        pk=notification_id, recipient=membership
    )
    if not found.exists():
        return False
    found.filter(read_at__isnull=True).update(read_at=at or timezone.now())
    return True


def notifications_mark_all_read(
    *, tenant: Tenant, membership: Membership, at: datetime | None = None
) -> int:
    return (
        Notification.objects.for_tenant(tenant)
        .filter(recipient=membership, read_at__isnull=True)
        .update(read_at=at or timezone.now())
    )


def _backoff(attempts: int) -> timedelta:
    return timedelta(minutes=2 ** min(attempts, 6))


def delivery_attempt(*, tenant: Tenant, delivery_id: int, at: datetime | None = None) -> str:
    """Send one delivery, at most once.

    1. Claim it with a conditional UPDATE (pending and due -> sending): of two workers handed
       the same id, exactly one updates the row; the other returns "skipped".
    2. Call the transport outside any transaction (no row lock held across network I/O).
    3. Record the outcome: sent, pending again with a backoff (transient error, attempts
       left), or failed.
    """
    now = at or timezone.now()
    delivery = _delivery_claim(tenant=tenant, delivery_id=delivery_id, now=now)
    if delivery is None:
        return "skipped"
    update: dict[str, Any]
    try:
        message_id = transport_get(delivery.transport).deliver(delivery)
    except DeliverySuppressed as error:
        update = {"status": DeliveryStatus.SUPPRESSED, "next_attempt_at": None,
                  "last_error": str(error)[:2000]}  # fmt: skip
    except TransientDeliveryError as error:
        retry = delivery.attempts < MAX_ATTEMPTS
        update = {
            "status": DeliveryStatus.PENDING if retry else DeliveryStatus.FAILED,
            "next_attempt_at": now + _backoff(delivery.attempts) if retry else None,
            "last_error": str(error)[:2000],
        }
    except Exception as error:  # noqa: BLE001 - a permanent failure is recorded, not raised
        logger.exception("Delivery %s failed", delivery_id)
        update = {"status": DeliveryStatus.FAILED, "next_attempt_at": None,
                  "last_error": f"{type(error).__name__}: {error}"[:2000]}  # fmt: skip
    else:
        update = {"status": DeliveryStatus.SENT, "sent_at": now, "next_attempt_at": None,
                  "provider_message_id": (message_id or "")[:250], "last_error": ""}  # fmt: skip
    _delivery_record(tenant=tenant, delivery_id=delivery_id, update=update)
    return str(update["status"])


# Written out (a delivery's three statements ran for every email, and the ORM's compilation
# cost more than the statements): the claim and the row with its notification in one.
_CLAIM_SQL = """
WITH claimed AS (
    UPDATE {delivery_table}
    SET status = %(sending)s, attempts = attempts + 1, next_attempt_at = %(now)s
    WHERE tenant_id = %(tenant)s AND id = %(id)s AND status = %(pending)s
      AND (next_attempt_at IS NULL OR next_attempt_at <= %(now)s)
    RETURNING *
)
SELECT {delivery}, {notification}
FROM claimed d JOIN {notification_table} n ON n.tenant_id = d.tenant_id AND n.id = d.notification_id
"""


def _delivery_claim(*, tenant: Tenant, delivery_id: int, now: datetime) -> Delivery | None:
    """Claim the row (pending and due -> sending, attempts + 1) with a conditional UPDATE and
    return it with its notification; None when it was not pending and due (another worker
    claimed it, or it is done)."""
    sql = _CLAIM_SQL.format(
        delivery_table=Delivery._meta.db_table, notification_table=Notification._meta.db_table,
        delivery=columns_of(Delivery, "d"), notification=columns_of(Notification, "n"),
    )  # fmt: skip
    params = {
        "tenant": tenant.pk, "id": delivery_id, "now": now,
        "sending": DeliveryStatus.SENDING.value, "pending": DeliveryStatus.PENDING.value,
    }  # fmt: skip
    for delivery, notification in select_joined((Delivery, Notification), sql, params):
        delivery.notification = notification
        delivery.tenant = notification.tenant = tenant  # (no query for them)
        return delivery
    return None


def _delivery_record(*, tenant: Tenant, delivery_id: int, update: Mapping[str, Any]) -> None:
    """The attempt's outcome on the row (its status, next attempt, error, provider id)."""
    values = {k: v.value if isinstance(v, DeliveryStatus) else v for k, v in update.items()}
    assignments = ", ".join(f"{Delivery._meta.get_field(k).column} = %s" for k in values)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Delivery._meta.db_table} SET {assignments} "  # noqa: S608 - our names
            "WHERE tenant_id = %s AND id = %s",
            [*values.values(), tenant.pk, delivery_id],
        )


def deliveries_retry_due_cross_tenant(*, now: datetime | None = None, limit: int = 500) -> int:
    """Queue pending deliveries that are due (lost enqueues, backoffs over). A row a dead
    worker left claimed past the lease is tried again (attempts left) with the SAME stored
    Message-ID, so an ESP that did get the first attempt can drop the duplicate; out of
    attempts it is failed. Reads every tenant's rows: a cross-tenant job."""
    now = now or timezone.now()
    stale = Delivery.objects.cross_tenant().filter(
        status=DeliveryStatus.SENDING, next_attempt_at__lt=now - SENDING_LEASE
    )
    stale.filter(attempts__lt=MAX_ATTEMPTS).update(
        status=DeliveryStatus.PENDING, next_attempt_at=now,
        last_error="Worker lost while sending: retried with the same Message-ID.",
    )  # fmt: skip
    stale.update(status=DeliveryStatus.FAILED, last_error="Worker lost while sending.")
    due = list(
        Delivery.objects.cross_tenant()
        .filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("tenant_id", "pk")[:limit]
    )
    _enqueue(due)
    return len(due)


def suppression_lift(*, tenant: Tenant, suppression_id: int) -> bool:
    """An admin lifts a suppression: later mail to the address is sent again."""
    from .models import Suppression

    deleted, _ = Suppression.objects.for_tenant(tenant).filter(pk=suppression_id).delete()
    return bool(deleted)


def template_override_save(
    *, tenant: Tenant, event: str, subject: str, text: str, html: str,
    at: datetime | None = None,
) -> None:  # fmt: skip
    """Save a tenant's texts for `event` after checking they compile and render in the
    sandbox; raises ValidationError with the template error per field."""
    from django.core.exceptions import ValidationError

    from .email_templates import EVENTS, TemplateInvalid, override_render, template_compile
    from .models import EmailTemplateOverride

    if event not in EVENTS:
        raise ValidationError({"event": "Unknown email event."})
    errors: dict[str, str] = {}
    if not subject.strip():
        errors["subject"] = "Write a subject."
    if not text.strip():
        errors["text"] = "Write the plain-text body."
    for field, source, is_html in (("subject", subject, False), ("text", text, False),
                                   ("html", html, True)):  # fmt: skip
        if field in errors or not source.strip():
            continue
        try:
            template_compile(source=source, event=event, html=is_html)
        except TemplateInvalid as error:
            errors[field] = str(error)
    if not errors:
        sample = {name: f"<{name}>" for name in EVENTS[event]}
        try:
            override_render(event=event, subject=subject, text=text, html=html, context=sample)
        except TemplateInvalid as error:
            errors["text"] = str(error)
    if errors:
        raise ValidationError(errors)
    EmailTemplateOverride.objects.for_tenant(tenant).update_or_create(
        tenant=tenant, event=event,
        defaults={"subject": subject, "text": text, "html": html,
                  "updated_at": at or timezone.now()},
    )  # fmt: skip


def template_override_delete(*, tenant: Tenant, event: str) -> None:
    from .models import EmailTemplateOverride

    EmailTemplateOverride.objects.for_tenant(tenant).filter(event=event).delete()
