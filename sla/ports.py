"""The SLA↔tickets seam, seen from `sla`: what it reads of a ticket, and the port through
which the tickets' own code locks and writes their rows when a job of `sla` moves deadlines.

Imports point tickets → sla, so `sla` cannot call tickets' code directly (nor touch its
table). Instead `tickets` registers an implementation of `TicketRows` in its
`AppConfig.ready()`; the recompute job asks it to lock the tickets of a chunk (first, in
ascending id order: the one lock order, see `sla.services.clocks_lock`) and hands it the
chunk's new deadlines, which tickets writes into its own rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from .clock_state import TicketDeadlines

if TYPE_CHECKING:
    from tenants.models import Tenant

__all__ = ["SlaTicket", "TicketDeadlines", "TicketRows", "register_ticket_rows", "ticket_rows"]


class SlaTicket(Protocol):
    """What the clock engine reads of a ticket (tickets.Ticket satisfies it)."""

    pk: int
    priority_id: int
    policy_id: int | None
    first_responded_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None


class TicketRows(Protocol):
    """Implemented by `tickets` (registered in its AppConfig.ready)."""

    def lock(self, *, tenant: Tenant, ticket_ids: Sequence[int]) -> None:
        """Lock these tickets' rows (ascending id) until the end of the transaction."""

    def write_deadlines(self, *, tenant: Tenant, deadlines: Mapping[int, TicketDeadlines]) -> int:
        """Write the tickets' deadline columns; return how many rows changed."""

    def count_using(
        self, *, tenant: Tenant, plan_id: int | None = None, priority_id: int | None = None,
        policy_id: int | None = None,
    ) -> int:  # fmt: skip
        """How many tickets use this plan (through a policy version), priority or policy."""


_registered: list[TicketRows] = []


def register_ticket_rows(rows: TicketRows) -> None:
    _registered[:] = [rows]


def ticket_rows() -> TicketRows:
    if not _registered:
        raise RuntimeError("No TicketRows registered: is the tickets app installed?")
    return _registered[0]
