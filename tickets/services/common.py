"""Helpers shared by the ticket services: history rows, the row lock, and the one write of the
ticket row per event (`TicketChanges` collects what an event changed; `ticket_write` writes
it, deadlines from the clocks and the search vector included, in one UPDATE)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.search import SearchVector
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import OuterRef, Subquery, TextField, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from sla.ports import TicketDeadlines
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


def tickets_each(
    tickets: Iterable[Ticket], change: Callable[[Ticket], object]
) -> tuple[list[Ticket], dict[str, str]]:
    """Apply `change` to each ticket on its own (each service call is its own transaction,
    so one refused ticket does not undo the others); returns the changed tickets and, by
    reference, why the others were refused."""
    changed: list[Ticket] = []
    failed: dict[str, str] = {}
    for ticket in tickets:
        try:
            change(ticket)
        except ValidationError as error:
            failed[ticket.reference] = "; ".join(error.messages)
        else:
            changed.append(ticket)
    return changed, failed


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


def ticket_events_record_many(*, events: Sequence[TicketEvent]) -> int:
    """`ticket_event_record` for many rows at once (of any tenants), one COPY: for the breach
    scan. Each row carries its own tenant and ticket; kinds are checked the same way."""
    for event in events:
        if event.kind not in EventKind.values:
            raise ValueError(f"Unknown ticket event kind {event.kind!r}: add it to EventKind.")
    if not events:
        return 0
    columns = "tenant_id, ticket_id, actor_id, kind, field, from_value, to_value, data, created_at"
    with connection.cursor() as cursor, cursor.cursor.copy(
        f"COPY {TicketEvent._meta.db_table} ({columns}) FROM STDIN"
    ) as copy:
        for e in events:
            copy.write_row((
                e.tenant_id, e.ticket_id, e.actor_id, e.kind, e.field,
                str(e.from_value or "")[:250], str(e.to_value or "")[:250],
                json.dumps(e.data or {}, cls=DjangoJSONEncoder), e.created_at,
            ))  # fmt: skip
    return len(events)


def ticket_lock(*, tenant: Tenant, ticket: Ticket) -> None:
    """Lock the ticket row for the rest of the transaction and refresh its mutable fields.

    Two agents changing the status at once are serialised here, so each transition is
    validated against the status the row really has, not the one a stale page showed.

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
            "resolved_at", "closed_at",
        )
        .get()
    )
    for name, value in row.items():
        setattr(ticket, name, value)


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
    """The event's one UPDATE of the ticket row: `updated_at`, the changed fields, and the
    search vector when the public text changed."""
    ticket.updated_at = at
    values: dict[str, Any] = {name: getattr(ticket, name) for name in sorted(changes.fields)}
    if changes.search:
        values["search_vector"] = search_vector_expression()
    Ticket.objects.for_tenant(tenant).filter(pk=ticket.pk).update(updated_at=at, **values)


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
