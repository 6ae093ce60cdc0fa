"""Benchmark: the SLA compliance report, its API and its CSV exports over 200,000 clocks.

    .venv/bin/python bench/reports.py [--tickets 100000] [--requests 20] [--reseed]

Uses its own database (default postgres://postgres@127.0.0.1:5432/helpdesk_bench_reports, or
BENCH_REPORTS_DATABASE_URL), created and migrated if missing. The seed is INSERT ... SELECT over
generate_series: one tenant, two plans, four priorities, 20 customers, 100,000 tickets spread
over the last six months, each with a first-response and a resolution clock (200,000 clocks:
70 % met, 15 % answered late, 10 % running — many of them past due —, 5 % paused), plus a
second tenant with as many clocks that must not slow the first one's report down much.

Then, in-process through Django's test Client (middleware, session auth, rendering), as the
tenant's manager, over the six months:

* the report page (`/reports/`), the API (`/api/reports/sla/`) and the summary CSV: median and
  p95 server time and SQL statements per request;
* the per-clock CSV (`/reports/clocks.csv`, 200,000 rows) consumed to the end, first thing
  (so the peak RSS is its own): time, rows/s, and how much the peak RSS grew meanwhile;
* the same figures computed the naive way — every clock loaded into Python and aggregated
  there — to show what the single GROUPING SETS statement saves (ratio printed).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
os.environ.setdefault("HELPDESK_TESTING", "1")
os.environ.setdefault("AXES_ENABLED", "0")
BENCH_URL = os.environ.get(
    "BENCH_REPORTS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/helpdesk_bench_reports"
)
os.environ["DATABASE_URL"] = BENCH_URL

CUSTOMERS = 20
DAYS = 180


def ensure_database() -> None:
    import psycopg

    name = BENCH_URL.rsplit("/", 1)[1]
    admin_url = BENCH_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def setup_django() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


TICKETS_SQL = """
INSERT INTO tickets_ticket (
    tenant_id, customer_id, requester_id, number, reference, subject, description,
    priority_id, status, channel, tier, cc_emails, tags, is_breached, created_at, updated_at,
    policy_id)
SELECT %(tenant)s, (%(customers)s::bigint[])[1 + g %% %(nc)s],
       (%(requesters)s::bigint[])[1 + g %% %(nc)s], 1000 + g, %(prefix)s || '-' || (1000 + g),
       'Bench ticket ' || g, 'Generated for the bench.', (%(priorities)s::bigint[])[1 + g %% 4],
       'open', 'portal', 1, '{}', '{}', false, c, c,
       (%(policies)s::bigint[])[1 + (g %% %(nc)s) %% 2]
FROM (SELECT g, now() - random() * interval '%(days)s days' AS c
      FROM generate_series(1, %(n)s) g) s
"""

# Every ticket gets a clock per target of its policy and priority (first response, resolution),
# with an outcome drawn at random; the calendar is 24/7 so business time = wall time.
CLOCKS_SQL = """
INSERT INTO sla_slaclock (
    tenant_id, ticket_id, metric, target_id, status, started_at, due_at, target_duration,
    consumed, consumed_as_of, met_at, breached_at, warned_percent, cycle, paused_at,
    pause_kind, updated_at)
SELECT t.tenant_id, t.id, tg.metric, tg.id, o.status, t.created_at,
       CASE WHEN o.status <> 'paused' THEN t.created_at + tg.duration END,
       tg.duration, o.consumed, t.created_at + o.consumed,
       CASE WHEN o.status IN ('met', 'breached') THEN t.created_at + o.consumed END,
       CASE WHEN o.status = 'breached' THEN t.created_at + tg.duration END,
       0, 1, CASE WHEN o.status = 'paused' THEN t.created_at + o.consumed END,
       CASE WHEN o.status = 'paused' THEN 'paused_customer' ELSE '' END, now()
FROM tickets_ticket t
JOIN sla_target tg ON tg.policy_id = t.policy_id AND tg.priority_id = t.priority_id
CROSS JOIN LATERAL (
    SELECT CASE WHEN r < 0.70 THEN 'met' WHEN r < 0.85 THEN 'breached'
                WHEN r < 0.95 THEN 'running' ELSE 'paused' END AS status,
           CASE WHEN r < 0.70 THEN tg.duration * (r / 0.70)
                WHEN r < 0.85 THEN tg.duration * (1 + (r - 0.70) * 6)
                WHEN r < 0.95 THEN interval '0'
                ELSE tg.duration * 0.5 END AS consumed
    FROM (SELECT random() + t.id * 0 AS r) x
) o
WHERE t.tenant_id = %(tenant)s
"""


def _tenant(slug: str, n: int) -> None:
    from datetime import UTC, datetime, timedelta

    from django.db import connection, transaction

    from sla.models import Calendar, Metric, Plan, Priority, SupportPolicy, Target
    from tenants.models import Customer, Membership, Tenant, User
    from tenants.roles import Role
    from tickets.models import TicketCounter

    with transaction.atomic():
        tenant = Tenant.objects.create(
            slug=slug, name=slug.title(), time_zone="Europe/Berlin", reference_prefix="RB"
        )
        calendar = Calendar.objects.create(
            tenant=tenant, name="24/7", time_zone="UTC", always_open=True
        )
        plans = [
            Plan.objects.create(tenant=tenant, key=k, name=k.title(), order=i)
            for i, k in enumerate(["standard", "premium"])
        ]
        priorities = [
            Priority.objects.create(tenant=tenant, key=k, label=k.title(), order=i)
            for i, k in enumerate(["critical", "high", "medium", "low"])
        ]
        policies = []
        for plan in plans:
            policy = SupportPolicy.objects.create(
                tenant=tenant, plan=plan, version=1, effective_from=datetime(2000, 1, 1, tzinfo=UTC)
            )
            policies.append(policy.pk)
            for i, priority in enumerate(priorities):
                for metric, hours in (
                    (Metric.FIRST_RESPONSE, 1 + 3 * i),
                    (Metric.RESOLUTION, 8 + 24 * i),
                ):
                    Target.objects.create(
                        tenant=tenant, policy=policy, priority=priority, metric=metric,
                        duration=timedelta(hours=hours), calendar=calendar,
                    )  # fmt: skip
        customers, requesters = [], []
        for c in range(CUSTOMERS):
            customer = Customer.objects.create(
                tenant=tenant, name=f"Customer {c:02d}", plan=plans[c % 2]
            )
            user = User.objects.create_user(f"client{c}@{slug}.example", "x")
            member = Membership.objects.create(
                tenant=tenant, user=user, role=Role.CLIENT, customer=customer
            )
            customers.append(customer.pk)
            requesters.append(member.pk)
        manager = User.objects.create_user(f"manager@{slug}.example", "x")
        Membership.objects.create(tenant=tenant, user=manager, role=Role.MANAGER)
        params = {
            "tenant": tenant.pk, "customers": customers, "requesters": requesters,
            "priorities": [p.pk for p in priorities], "policies": policies, "nc": CUSTOMERS,
            "prefix": tenant.reference_prefix, "n": n, "days": DAYS,
        }  # fmt: skip
        with connection.cursor() as cursor:
            cursor.execute(TICKETS_SQL, params)
            cursor.execute(CLOCKS_SQL, {"tenant": tenant.pk})
        TicketCounter.objects.create(tenant=tenant, last_number=1000 + n)


def seed(tickets: int) -> None:
    from django.db import connection

    started = time.perf_counter()
    _tenant("rbench", tickets)
    _tenant("rbench-other", tickets)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE tickets_ticket")
        cursor.execute("VACUUM ANALYZE sla_slaclock")
    print(f"seeded 2 x {tickets:,} tickets, 2 x {2 * tickets:,} clocks "
          f"in {time.perf_counter() - started:.0f} s")  # fmt: skip


def seeded() -> bool:
    from tenants.models import Tenant

    return Tenant.objects.filter(slug="rbench-other").exists()


def unseed() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE tickets_ticket, tickets_ticketcounter, sla_slaclock CASCADE")
        cursor.execute("TRUNCATE tenants_tenant CASCADE")
        cursor.execute("DELETE FROM tenants_user WHERE email LIKE '%%@rbench%%.example'")


def timed(client: object, url: str, requests: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries = [], 0
    for _ in range(requests):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            if response.streaming:
                b"".join(response.streaming_content)
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = max(queries, len(captured))
    times.sort()
    return statistics.median(times), times[max(int(len(times) * 0.95) - 1, 0)], queries


def stream_clocks(client: object, url: str) -> tuple[float, int, int, float]:
    """Seconds, rows and bytes of one full clock CSV, and how much the process's peak RSS
    grew meanwhile (MB): a streamed export should not grow with the CSV."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    response = client.get(url)
    rows = size = 0
    for chunk in response.streaming_content:
        rows += chunk.count(b"\n")
        size += len(chunk)
    elapsed = time.perf_counter() - start
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    return elapsed, rows - 1, size, grown


def naive(tenant: object, filters: object) -> float:
    """Every clock of the range loaded into Python and aggregated there (what we avoid)."""
    from collections import defaultdict

    from django.utils import timezone

    from escalation.reports.selectors import DETAIL_FIELDS, _clocks
    from sla.report_selectors import clock_outcome_details

    start = time.perf_counter()
    now = timezone.now()
    groups: dict[tuple, list] = defaultdict(list)
    rows = clock_outcome_details(
        tenant=tenant, clocks=_clocks(tenant=tenant, filters=filters), now=now,
        zone=filters.zone, fields=DETAIL_FIELDS,
    )  # fmt: skip
    for row in rows:
        for key in (
            (row["metric_key"], row["plan_key"], row["priority_key"], row["month_start"]),
            (row["metric_key"], row["month_start"]),
            (row["metric_key"], row["customer_name"]),
            (row["metric_key"],),
        ):
            groups[key].append(row)
    for members in groups.values():
        answered = sorted(r["response_seconds"] for r in members if r["response_seconds"])
        if answered:
            statistics.median(answered)
        sum(1 for r in members if r["outcome"] == "met")
    return time.perf_counter() - start


def run(requests: int) -> None:
    import zoneinfo
    from urllib.parse import urlencode

    from django.db.models import Count
    from django.test import Client

    from escalation.reports.filters import ReportFilters, default_range
    from sla.models import SlaClock
    from tenants.models import Membership, Tenant

    tenant = Tenant.objects.get(slug="rbench")
    manager = Membership.objects.for_tenant(tenant).get(role="manager")
    client = Client(HTTP_HOST=f"{tenant.slug}.localhost")
    client.force_login(manager.user, backend="django.contrib.auth.backends.ModelBackend")
    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    date_from, date_to = default_range(zone)
    filters = ReportFilters(date_from=date_from, date_to=date_to, zone=zone)
    query = urlencode(filters.query())
    in_range = (
        SlaClock.objects.for_tenant(tenant)
        .filter(started_at__gte=filters.started_from, started_at__lt=filters.started_before)
        .aggregate(n=Count("pk"))["n"]
    )
    total = SlaClock.objects.cross_tenant().count()
    print(f"clocks: {total:,} in the table, {in_range:,} of this tenant in the range "
          f"{date_from} .. {date_to}")  # fmt: skip
    month = urlencode({"date_from": date_to.replace(day=1).isoformat(),
                       "date_to": date_to.isoformat()})  # fmt: skip
    cases = [
        ("report page /reports/", f"/reports/?{query}"),
        ("API /api/reports/sla/", f"/api/reports/sla/?{query}"),
        ("summary CSV /reports/sla.csv", f"/reports/sla.csv?{query}"),
        (
            "report page, one customer",
            f"/reports/?{query}&customer={tenant_customer(tenant)}",
        ),  # fmt: skip
        ("report page, this month only", f"/reports/?{month}"),
    ]
    # Warm (imports, connection, caches) on a small export, so the RSS growth is the big one's.
    stream_clocks(client, f"/reports/clocks.csv?{month}&customer={tenant_customer(tenant)}")
    seconds, rows, size, grown = stream_clocks(client, f"/reports/clocks.csv?{query}")
    print(
        f"clock CSV: {rows:,} rows, {size / 1e6:.1f} MB in {seconds:.2f} s = "
        f"{rows / seconds:,.0f} rows/s; peak RSS grew {grown:.1f} MB while streaming it"
    )
    for _, url in cases:
        timed(client, url, 2)  # warm
    print(f"\n{'case':34} {'median':>9} {'p95':>9} {'queries':>8}")
    results = {}
    for name, url in cases:
        results[name] = median, p95, queries = timed(client, url, requests)
        print(f"{name:34} {median:7.1f}ms {p95:7.1f}ms {queries:8d}")
    naive_s = min(naive(tenant, filters) for _ in range(3))
    page_ms = results["report page /reports/"][0]
    print(f"naive Python aggregation of the same clocks: {naive_s * 1000:.0f} ms "
          f"= {naive_s * 1000 / page_ms:.1f}x the whole report page "
          f"(one GROUPING SETS statement)")  # fmt: skip


def tenant_customer(tenant: object) -> int:
    from tenants.models import Customer

    return Customer.objects.for_tenant(tenant).order_by("name").values_list("pk", flat=True)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--reseed", action="store_true")
    args = parser.parse_args()
    ensure_database()
    setup_django()
    if args.reseed and seeded():
        unseed()
    if not seeded():
        unseed()
        seed(args.tickets)
    run(args.requests)


if __name__ == "__main__":
    main()
