"""The tickets side of the SLA port (`sla.ports.TicketRows`): tickets lock and write their
own rows when an SLA job (the recompute) moves deadlines; `sla` never touches this table."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from django.db import connection, transaction
from django.db.models import Q

from sla.ports import TicketDeadlines
from tenants.bulk import fetch_binary, temp_rows
from tenants.models import Tenant

from ..models import Ticket


class TicketRowsForSla:
    """Registered with `sla.ports.register_ticket_rows` in TicketsConfig.ready()."""

    def lock(self, *, tenant: Tenant, ticket_ids: Sequence[int]) -> None:
        """Lock the rows in ascending id order: the lock order's first step (see
        `common.ticket_lock`), so a recompute chunk and ticket events queue, never deadlock."""
        sql = f"""
            SELECT id FROM {Ticket._meta.db_table}
             WHERE tenant_id = %s AND id = ANY(%s) ORDER BY id FOR NO KEY UPDATE
        """  # noqa: S608 - our own table; every value is a parameter
        # FOR NO KEY UPDATE: what an UPDATE of non-key columns takes anyway; it conflicts with
        # ticket_lock's FOR UPDATE (so events queue) but not with the KEY SHARE locks that new
        # messages and history rows take on the ticket through their foreign keys.
        with connection.cursor() as cursor:
            cursor.execute(sql, [tenant.pk, sorted(ticket_ids)])

    def write_deadlines(self, *, tenant: Tenant, deadlines: Mapping[int, TicketDeadlines]) -> int:
        """One UPDATE; rows already right are not rewritten."""
        return _write_deadlines(deadlines=deadlines, tenant_id=tenant.pk)

    def count_using(
        self, *, tenant: Tenant, plan_id: int | None = None, priority_id: int | None = None,
        policy_id: int | None = None,
    ) -> int:  # fmt: skip
        condition = Q()
        if plan_id is not None:
            condition &= Q(policy__plan_id=plan_id)
        if priority_id is not None:
            condition &= Q(priority_id=priority_id)
        if policy_id is not None:
            condition &= Q(policy_id=policy_id)
        return Ticket.objects.for_tenant(tenant).filter(condition).count()


# --------------------------------------------------------------------------- the breach scan


def tickets_lock_available_cross_tenant(*, ticket_ids: Iterable[int]) -> set[int]:
    """Lock (FOR UPDATE, ascending id) those of these tickets no one else holds; return them.

    For the breach scan, which claims clocks first: it must never WAIT for a ticket (a ticket
    event holds its ticket and waits for its clocks: waiting here would close a cycle), so
    rows another transaction holds are skipped, and their clocks wait for the next pass."""
    rows = fetch_binary(
        f"SELECT id FROM {Ticket._meta.db_table} WHERE id = ANY(%s) ORDER BY id "  # noqa: S608
        "FOR UPDATE SKIP LOCKED",
        [sorted(set(ticket_ids))],
    )
    return {row[0] for row in rows}


def tickets_write_deadlines_cross_tenant(*, deadlines: Mapping[int, TicketDeadlines]) -> int:
    """`TicketRowsForSla.write_deadlines` for tickets of any tenants (ids are global; the
    caller holds their rows locked)."""
    return _write_deadlines(deadlines=deadlines, tenant_id=None)


_DEADLINE_COLUMNS = (
    ("id", "int8"), ("frd", "timestamptz"), ("res", "timestamptz"),
    ("nearest", "timestamptz"), ("breached", "bool"),
)  # fmt: skip


def _write_deadlines(*, deadlines: Mapping[int, TicketDeadlines], tenant_id: int | None) -> int:
    """One UPDATE joined to the new values (COPYed into a temporary table: thousands of rows
    cost less than as array parameters); rows already right are not rewritten."""
    if not deadlines:
        return 0
    with transaction.atomic():  # the temporary table lives until the transaction ends
        return _update_deadlines(deadlines=deadlines, tenant_id=tenant_id)


def _update_deadlines(*, deadlines: Mapping[int, TicketDeadlines], tenant_id: int | None) -> int:
    values = temp_rows(prefix="ticket_deadlines", columns=_DEADLINE_COLUMNS, rows=(
        (i, d.first_response_due_at, d.resolution_due_at, d.next_due_at, d.is_breached)
        for i in sorted(deadlines)
        for d in (deadlines[i],)
    ))  # fmt: skip
    sql = f"""
        UPDATE {Ticket._meta.db_table} AS t
           SET first_response_due_at = v.frd, resolution_due_at = v.res,
               next_due_at = v.nearest, is_breached = v.breached
          FROM {values} AS v
         WHERE t.id = v.id AND (%s::bigint IS NULL OR t.tenant_id = %s::bigint)
           AND (t.first_response_due_at, t.resolution_due_at, t.next_due_at, t.is_breached)
               IS DISTINCT FROM (v.frd, v.res, v.nearest, v.breached)
    """  # noqa: S608 - our own tables; the values are COPYed or parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [tenant_id, tenant_id])
        return cursor.rowcount
