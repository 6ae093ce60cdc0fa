"""Helpers shared by the ticket services: history rows, row locks, search vector, deadlines."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.search import SearchVector
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery, TextField, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from tenants.models import Membership, Tenant

from ..models import Message, Ticket, TicketEvent

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


def event_record(
    *,
    tenant: Tenant,
    ticket: Ticket,
    actor: Membership | None,
    kind: str,
    at: datetime,
    field: str = "",
    from_value: Any = "",
    to_value: Any = "",
    data: dict[str, Any] | None = None,
) -> TicketEvent:
    """Append one history row (never updated or deleted by the application)."""
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


def ticket_lock(*, tenant: Tenant, ticket: Ticket) -> None:
    """Lock the ticket row for the rest of the transaction and refresh its mutable fields.

    Two agents changing the status at once are serialised here, so each transition is
    validated against the status the row really has, not the one a stale page showed.
    """
    row = (
        Ticket.objects.for_tenant(tenant)
        .select_for_update(of=("self",))
        .filter(pk=ticket.pk)
        .values("status", "assignee_id", "priority_id", "tier", "first_responded_at")
        .get()
    )
    for name, value in row.items():
        setattr(ticket, name, value)


def deadlines_reload(*, tenant: Tenant, ticket: Ticket) -> None:
    """Copy the SLA-maintained deadline columns onto the in-memory ticket."""
    row = Ticket.objects.for_tenant(tenant).filter(pk=ticket.pk).values(*DEADLINE_FIELDS).get()
    for name, value in row.items():
        setattr(ticket, name, value)


def ticket_touch(*, tenant: Tenant, ticket: Ticket, at: datetime, fields: list[str]) -> None:
    ticket.updated_at = at
    Ticket.objects.for_tenant(tenant).filter(pk=ticket.pk).update(
        updated_at=at, **{name: getattr(ticket, name) for name in fields}
    )


def search_vector_refresh(*, tenant: Tenant, ticket_id: int) -> None:
    """Recompute the tsvector over subject (A), description (B) and public message text (C).

    One UPDATE with a correlated subquery: the text never travels through Python, and a
    concurrent reply only makes the vector as fresh as the later of the two updates.
    """
    public_text = (
        Message.objects.filter(ticket=OuterRef("pk"), is_internal=False)
        .order_by()
        .values("ticket")
        .annotate(text=StringAgg("body_text", delimiter=" "))
        .values("text")
    )
    Ticket.objects.for_tenant(tenant).filter(pk=ticket_id).update(
        search_vector=(
            SearchVector("subject", weight="A", config=SEARCH_CONFIG)
            + SearchVector("description", weight="B", config=SEARCH_CONFIG)
            + SearchVector(
                Coalesce(Subquery(public_text), Value(""), output_field=TextField()),
                weight="C",
                config=SEARCH_CONFIG,
            )
        )
    )
