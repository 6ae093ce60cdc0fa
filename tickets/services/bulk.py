"""Bulk changes from the queue: every selected ticket is acted on (in batches), each in its
own transaction, and the result counts exactly what changed, what already was so, and what
was refused and why (a selection was once cut at 500 without a word)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice

from django.core.exceptions import ValidationError

from tenants.models import Membership, Tenant

from ..models import Ticket
from .assignment import ticket_assign
from .common import now_or
from .status import ticket_set_status

# One request acts on at most this many tickets (the form says so before anything is done):
# each is its own transaction of about ten statements, so 1,000 is a few seconds' work.
BULK_MAX = 1_000
# Tickets loaded per query: the selection is never held in memory or sent to SQL whole.
BULK_BATCH = 200
NOT_FOUND = "No such ticket."


@dataclass
class BulkResult:
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # already as asked: nothing to do
    refused: dict[str, str] = field(default_factory=dict)  # reference -> why

    @property
    def total(self) -> int:
        return len(self.changed) + len(self.unchanged) + len(self.refused)

    def refused_by_reason(self) -> dict[str, list[str]]:
        grouped: dict[str, list[str]] = {}
        for reference, why in self.refused.items():
            grouped.setdefault(why, []).append(reference)
        return grouped


def _batches(items: Sequence[str], size: int) -> Iterator[list[str]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def tickets_bulk(
    *, tenant: Tenant, references: Sequence[str], change: Callable[[Ticket], object]
) -> BulkResult:
    """Apply `change` to every ticket named (duplicates once), `BULK_BATCH` rows per query.

    Each call is its own transaction, so one refused ticket does not undo the others and no
    lock is held across the batch. A ticket counts as changed when its row was written
    (`ticket_write` moved it to the version `ticket_lock` announced); a no-op is unchanged.
    """
    result = BulkResult()
    unique = list(dict.fromkeys(references))
    if len(unique) > BULK_MAX:
        raise ValidationError(
            f"{len(unique):,} tickets selected: at most {BULK_MAX:,} at once. Nothing was changed."
        )
    for batch in _batches(unique, BULK_BATCH):
        found = {
            t.reference: t
            for t in Ticket.objects.for_tenant(tenant)
            .filter(reference__in=batch)
            .select_related("priority", "assignee__user")
        }
        for reference in batch:
            ticket = found.get(reference)
            if ticket is None:  # another tenant's reference looks exactly like a missing one
                result.refused[reference] = NOT_FOUND
                continue
            try:
                change(ticket)
            except ValidationError as error:
                result.refused[reference] = "; ".join(error.messages)
                continue
            if ticket.version == getattr(ticket, "write_version", None):
                result.changed.append(reference)
            else:
                result.unchanged.append(reference)
    return result


def ticket_bulk_assign(
    *,
    tenant: Tenant,
    references: Sequence[str],
    assignee: Membership | None,
    actor: Membership,
    at: datetime | None = None,
) -> BulkResult:
    at = now_or(at)
    return tickets_bulk(tenant=tenant, references=references, change=lambda ticket: (
        ticket_assign(tenant=tenant, ticket=ticket, assignee=assignee, actor=actor, at=at)
    ))  # fmt: skip


def ticket_bulk_set_status(
    *,
    tenant: Tenant,
    references: Sequence[str],
    status: str,
    actor: Membership,
    at: datetime | None = None,
) -> BulkResult:
    at = now_or(at)
    return tickets_bulk(tenant=tenant, references=references, change=lambda ticket: (
        ticket_set_status(tenant=tenant, ticket=ticket, status=status, actor=actor, at=at)
    ))  # fmt: skip
