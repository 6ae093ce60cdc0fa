"""Helpers shared by the ticket services: history rows, the row lock, and the one write of the
ticket row per event (`TicketChanges` collects what an event changed; `ticket_write` writes
it, deadlines from the clocks and the search vector included, in one UPDATE)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.search import SearchVector
from django.db.models import F, OuterRef, Subquery, TextField, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from sla.ports import TicketDeadlines
from tenants.bulk import RawJson, copy_rows
from tenants.models import Membership, Tenant

from ..models import EventKind, Message, Ticket, TicketEvent

DEADLINE_FIELDS = ("first_response_due_at", "resolution_due_at", "next_due_at", "is_breached")
SEARCH_CONFIG = "english"


def now_or(at: datetime | None) -> datetime:
    if at is None:
        return timezone.now()
    if timezone.is_naive(at):
        raise ValueError("Naive datetime: pass an aware instant.")
    return at


def ticket_event_record(
    *,
    tenant: Tenant,
    ticket: Ticket,
    actor: Membership | None,
    kind: EventKind | str,
    at: datetime,
    field: str = "",
    from_value: Any = "",
    to_value: Any = "",
    data: dict[str, Any] | None = None,
) -> TicketEvent:
    """Append one history row (never updated or deleted by the application).

    The one way anything records a ticket's history: `kind` must be an `EventKind`."""
    if kind not in EventKind.values:
        raise ValueError(f"Unknown ticket event kind {kind!r}: add it to EventKind.")
    return TicketEvent.objects.create(
        ticket_version=getattr(ticket, "write_version", None),
        tenant=tenant,
        ticket=ticket,
        actor=actor,
        kind=kind,
        field=field,
        from_value=str(from_value or "")[:250],
        to_value=str(to_value or "")[:250],
        data=data or {},
        created_at=at,
    )


class NewEvent(NamedTuple):
    """One history row for `ticket_events_record_many`: plain values, no model instance (the
    breach scan writes tens of thousands at once)."""

    tenant_id: int
    ticket_id: int
    kind: str
    field: str
    to_value: str
    data: dict[str, Any] | RawJson  # RawJson: already encoded (a hot path's fixed shape)
    created_at: datetime
    actor_id: int | None = None
    from_value: str = ""


_KINDS = frozenset(EventKind.values)
_EVENT_COLUMNS = (
    ("tenant_id", "int8"), ("ticket_id", "int8"), ("actor_id", "int8"), ("kind", "varchar"),
    ("field", "varchar"), ("from_value", "varchar"), ("to_value", "varchar"), ("data", "jsonb"),
    ("created_at", "timestamptz"),
)  # fmt: skip


def ticket_events_record_many(*, events: Sequence[NewEvent]) -> int:
    """`ticket_event_record` for many rows at once (of any tenants), one COPY: for the breach
    scan. Each row carries its own tenant and ticket; kinds are checked the same way."""
    for event in events:
        if event.kind not in _KINDS:
            raise ValueError(f"Unknown ticket event kind {event.kind!r}: add it to EventKind.")
    if not events:
        return 0
    copy_rows(table=TicketEvent._meta.db_table, columns=_EVENT_COLUMNS, rows=(
        (e.tenant_id, e.ticket_id, e.actor_id, e.kind, e.field, str(e.from_value or "")[:250],
         str(e.to_value or "")[:250], e.data or {}, e.created_at)
        for e in events
    ))  # fmt: skip
    return len(events)


def ticket_lock(*, tenant: Tenant, ticket: Ticket) -> None:
    """Lock the ticket row for the rest of the transaction and refresh its mutable fields.

    Two agents changing the status at once are serialised here, so each transition is
    validated against the status the row really has, not the one a stale page showed; a
    change that names the version it saw is checked against it here too (`version_check`).
    `write_version` is the version this transaction's `ticket_write` produces: the events
    recorded meanwhile carry it, so a stale change can list what happened since.

    THE LOCK ORDER (one everywhere, so events and the SLA recompute cannot deadlock): the
    ticket row first (here; several rows: ascending id, `deadlines.TicketRowsForSla.lock`),
    then its clocks in ascending id (`sla.services.clocks_lock`). Every service locks here
    before it drives the clocks.
    """
    row = (
        Ticket.objects.for_tenant(tenant)
        .select_for_update(of=("self",))
        .filter(pk=ticket.pk)
        .values(
            "status", "assignee_id", "priority_id", "tier", "policy_id", "first_responded_at",
            "resolved_at", "closed_at", "version",
        )
        .get()
    )
    for name, value in row.items():
        setattr(ticket, name, value)
    ticket.write_version = row["version"] + 1


class StaleTicket(Exception):
    """The change was made from version `expected` of the ticket; it is at `current` now.

    Not a ValidationError: the input was fine, the agent's view of the ticket was not — the
    API answers 409 and the work page re-renders with who changed what since."""

    def __init__(self, *, ticket: Ticket, expected: int, events: list[TicketEvent]) -> None:
        self.ticket = ticket
        self.reference = ticket.reference
        self.expected = expected
        self.current = ticket.version
        self.events = events
        super().__init__(self.message)

    @property
    def message(self) -> str:
        changes = "; ".join(event_describe(e) for e in self.events) or "it was changed"
        return (
            f"{self.reference} changed after you loaded it (version {self.expected}, now "
            f"{self.current}): {changes}. Nothing was saved; check the ticket as it is now and "
            "submit again if your change still applies."
        )


def event_describe(event: TicketEvent) -> str:
    """"alice@example.com changed assignee from — to bob@example.com at 2026-… UTC"."""
    who = event.actor.user.email if event.actor_id else "the system"
    when = event.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    if event.field:
        what = (
            f"changed {event.field} from {event.from_value or '—'} to {event.to_value or '—'}"
        )
    else:
        what = f"recorded {EventKind(event.kind).label.lower()}"
    return f"{who} {what} at {when}"


def version_check(*, tenant: Tenant, ticket: Ticket, expected: int | None) -> None:
    """Refuse a change made from another version than the row's (call after `ticket_lock`,
    so no write can slip in between the check and the change). None: the caller named no
    version (older API clients): the change applies to whatever the ticket is now."""
    if expected is None or expected == ticket.version:
        return
    events = list(
        TicketEvent.objects.for_tenant(tenant)
        .filter(ticket_id=ticket.pk, ticket_version__gt=expected)
        .select_related("actor__user")
        .order_by("created_at", "id")
    )
    raise StaleTicket(ticket=ticket, expected=expected, events=events)


@dataclass
class TicketChanges:
    """What one event changes on the ticket row, written once by `ticket_write`."""

    fields: set[str] = field(default_factory=set)
    search: bool = False

    def set(self, ticket: Ticket, **values: Any) -> None:
        for name, value in values.items():
            setattr(ticket, name, value)
            self.fields.add(name)

    def deadlines(self, ticket: Ticket, deadlines: TicketDeadlines) -> None:
        """The clocks' answer (every `clocks_*` service returns it)."""
        self.set(ticket, **{name: getattr(deadlines, name) for name in DEADLINE_FIELDS})


def ticket_write(*, tenant: Tenant, ticket: Ticket, at: datetime, changes: TicketChanges) -> None:
    """The event's one UPDATE of the ticket row: `updated_at`, the changed fields, the search
    vector when the public text changed, and the version (+1 in SQL, so it is right even for
    a caller that did not lock; `ticket_lock` told the instance what it will be)."""
    ticket.updated_at = at
    values: dict[str, Any] = {name: getattr(ticket, name) for name in sorted(changes.fields)}
    if changes.search:
        values["search_vector"] = search_vector_expression()
    Ticket.objects.for_tenant(tenant).filter(pk=ticket.pk).update(
        updated_at=at, version=F("version") + 1, **values
    )
    if getattr(ticket, "write_version", None) is not None:
        ticket.version = ticket.write_version


def ticket_touch(*, tenant: Tenant, ticket: Ticket, at: datetime, fields: list[str]) -> None:
    changes = TicketChanges()
    changes.fields.update(fields)
    ticket_write(tenant=tenant, ticket=ticket, at=at, changes=changes)


def search_vector_expression() -> SearchVector:
    """Subject (A), description (B) and public message text (C) of the row being updated.

    A correlated subquery: the text never travels through Python, and a concurrent reply
    only makes the vector as fresh as the later of the two updates."""
    public_text = (
        Message.objects.filter(ticket=OuterRef("pk"), is_internal=False)
        .order_by()
        .values("ticket")
        .annotate(text=StringAgg("body_text", delimiter=" "))
        .values("text")
    )
    return (
        SearchVector("subject", weight="A", config=SEARCH_CONFIG)
        + SearchVector("description", weight="B", config=SEARCH_CONFIG)
        + SearchVector(
            Coalesce(Subquery(public_text), Value(""), output_field=TextField()),
            weight="C",
            config=SEARCH_CONFIG,
        )
    )


def search_vector_for_new(*, subject: str, description: str) -> SearchVector:
    """The vector of a ticket being inserted (no messages yet), computed in the INSERT."""
    return SearchVector(
        Value(subject, output_field=TextField()), weight="A", config=SEARCH_CONFIG
    ) + SearchVector(Value(description, output_field=TextField()), weight="B", config=SEARCH_CONFIG)


def search_vector_refresh(*, tenant: Tenant, ticket_id: int) -> None:
    """Recompute the tsvector alone (for writes that change nothing else of the row)."""
    Ticket.objects.for_tenant(tenant).filter(pk=ticket_id).update(
        search_vector=search_vector_expression()
    )
