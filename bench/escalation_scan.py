"""Benchmark: the escalation acknowledgement scan — its cost follows the due rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_bench DEBUG=1 \
        .venv/bin/python bench/escalation_scan.py [--open 100000] [--due 2000]

Seeds one tenant with `--open` open escalations (bulk SQL) on a two-level ladder, `--due` of
them past their acknowledgement deadline, VACUUM ANALYZEs, then times
`escalation_scan_cross_tenant` — the code the beat task runs — twice: with nothing due (the
partial index answers at once), and with the due rows (each climbs: level, history row,
notifications). Prints the times, rows/s and SQL statements (COPYs included) per climbed row.
The database must be migrated; the bench tenant's rows are deleted at the end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402
import psycopg  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from escalation import configuration  # noqa: E402
from escalation.models import (  # noqa: E402
    Escalation,
    EscalationLadder,
    EscalationLevel,
    Status,
    TargetKind,
)
from escalation.scan import escalation_scan_cross_tenant  # noqa: E402
from notifications.outbound.models import Delivery, Notification  # noqa: E402
from sla.models import Plan, Priority  # noqa: E402
from tenants.models import Customer, Membership, Tenant, User  # noqa: E402
from tenants.roles import Role  # noqa: E402
from tickets.models import Ticket, TicketEvent  # noqa: E402

NOW = datetime.now(UTC)


def seed(open_count: int, due: int) -> Tenant:
    tenant = Tenant.objects.create(slug=f"bench-esc-{os.getpid()}", name="Bench Escalation")
    plan = Plan.objects.create(tenant=tenant, key="standard", name="Standard")
    priority = Priority.objects.create(tenant=tenant, key="high", label="High")
    customer = Customer.objects.create(tenant=tenant, name="Bench customer", plan=plan)
    people = {}
    for role in (Role.TEAM_LEAD, Role.MANAGER, Role.CLIENT):
        user = User.objects.create_user(f"{role}-{tenant.slug}@bench.example", None)
        people[role] = Membership.objects.create(
            tenant=tenant, user=user, role=role,
            customer=customer if role == Role.CLIENT else None,
        )  # fmt: skip
    ticket = Ticket.objects.create(
        tenant=tenant, customer=customer, requester=people[Role.CLIENT], number=1,
        reference="BENCH-1", subject="Bench", description="Bench", priority=priority,
    )  # fmt: skip
    ladder = configuration.ladder_save(
        tenant=tenant, data={"name": "Bench", "sources": ["sla_breach"], "priority": None}
    )
    levels = [
        configuration.level_save(tenant=tenant, ladder=ladder, data={
            "position": i, "name": f"Level {i}", "target_kind": TargetKind.ROLE,
            "target_role": role, "acknowledge_within": timedelta(hours=1), "calendar": None,
        })  # fmt: skip
        for i, role in ((1, Role.TEAM_LEAD), (2, Role.MANAGER))
    ]
    # One ticket, one breach escalation per clock cycle (unique per cycle): the scan's cost
    # does not depend on how the rows spread over tickets.
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {Escalation._meta.db_table} (tenant_id, ticket_id, source, ladder_id,
                  level_id, level_number, reason, metric, cycle, threshold, acknowledge_by,
                  status, outcome, created_at, updated_at)
                SELECT %s, %s, 'sla_breach', %s, %s, 1, 'bench', 'first_response', n, 0,
                       CASE WHEN n <= %s THEN %s::timestamptz - interval '1 minute'
                            ELSE %s::timestamptz + interval '1 day' END,
                       'open', '', %s, %s
                  FROM generate_series(1, %s) AS n""",
            [tenant.pk, ticket.pk, ladder.pk, levels[0].pk, due, NOW, NOW, NOW, NOW, open_count],
        )
        cursor.execute(f"VACUUM ANALYZE {Escalation._meta.db_table}")
    return tenant


def cleanup(tenant: Tenant) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        for model in (Delivery, Notification, Escalation, TicketEvent, Ticket):
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE tenant_id = %s", [tenant.pk])
        emails = list(Membership.objects.for_tenant(tenant).values_list("user__email", flat=True))
        for model in (EscalationLevel, EscalationLadder, Membership, Customer, Priority, Plan):
            model.objects.for_tenant(tenant).delete()
        tenant.delete()
        User.objects.filter(email__in=emails).delete()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=2_000)
    args = parser.parse_args()
    for stale in Tenant.objects.filter(slug__startswith="bench-esc-"):
        cleanup(stale)
    t0 = time.perf_counter()
    tenant = seed(args.open, args.due)
    print(f"seeded {args.open:,} open escalations, {args.due:,} due, "
          f"in {time.perf_counter() - t0:.1f} s")  # fmt: skip
    try:
        idle = []
        for _ in range(5):
            t = time.perf_counter()
            result = escalation_scan_cross_tenant(now=NOW - timedelta(minutes=2))
            idle.append(time.perf_counter() - t)
            assert result.climbed == 0
        print(f"scan with nothing due: median {statistics.median(idle) * 1000:.1f} ms")
        # Counted at psycopg's cursor, below Django: the bulk paths' COPYs and binary reads
        # (tenants.bulk) run on psycopg cursors Django's execute_wrapper never sees.
        statements = [0]
        originals = {name: getattr(psycopg.Cursor, name) for name in ("execute", "copy")}

        def counting(original):
            def counted(self, *args, **kwargs):
                statements[0] += 1
                return original(self, *args, **kwargs)

            return counted

        for name, original in originals.items():
            setattr(psycopg.Cursor, name, counting(original))
        try:
            t = time.perf_counter()
            result = escalation_scan_cross_tenant(now=NOW)
            busy = time.perf_counter() - t
        finally:
            for name, original in originals.items():
                setattr(psycopg.Cursor, name, original)
        climbed = Escalation.objects.for_tenant(tenant).filter(
            status=Status.OPEN, level_number=2
        ).count()
        print(f"scan with {args.due:,} due: {busy:.2f} s ({result}); "
              f"{args.due / busy:,.0f} climbs/s; {statements[0] / max(climbed, 1):.1f} "
              f"statements per climb; {climbed:,} rows now at level 2")  # fmt: skip
    finally:
        cleanup(tenant)


if __name__ == "__main__":
    main()
