"""Benchmark: the agent queue and the tickets API over 1,000,000 tickets.

    .venv/bin/python bench/queue.py [--requests 200] [--reseed]

Uses its own database (default postgres://postgres@127.0.0.1:5432/helpdesk_bench, or
BENCH_DATABASE_URL), created and migrated if missing. The seed is made with INSERT ... SELECT
over generate_series (one statement per tenant): 50 tenants, 1,000,000 tickets, one tenant
holding 100,000 open tickets (plus closed ones); deadlines spread from two days overdue to
ten days ahead, a fifth of them paused (no running deadline, so they sort last).

Then, in-process through Django's test Client (the whole middleware stack, session auth,
template rendering / JSON serialisation; no network), for the big tenant as an agent:

* the queue page (open tickets by nearest deadline, first page);
* `GET /api/tickets/?ordering=first_response_due_at` (first page);
* deep pages of both, reached with real keyset cursors at depths spread over the whole
  result (cursors for row k are built from row k's key, exactly what the previous page's
  `next` link carries);

and prints the median and p95 server time and the SQL queries per request, and each deep
page's p95 against page 1. The cache is Redis when one answers on 127.0.0.1:6379 (the
production shape: host -> tenant and sessions come from it), else local memory.

Then django-helpdesk's staff ticket list (its page, and the datatables request that returns
the rows) over the same 100,000 open tickets, in the same run: django-helpdesk from PyPI in
its own virtualenv under .run/bench-django-helpdesk/ (made if missing), its own database
(helpdesk_bench_dh, seeded once with INSERT ... SELECT generate_series), timed in its own
process by bench/django_helpdesk_side.py; the two are printed side by side with the ratio.
`--no-django-helpdesk` skips it; `--dh-requests` sets its sample (default 20: each of its
row requests takes seconds).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

# This file is named like the stdlib's `queue`: keep its own folder off the import path.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
os.environ.setdefault("HELPDESK_TESTING", "1")  # no manifest static storage, plain cookies
os.environ.setdefault("AXES_ENABLED", "0")


def _redis_up() -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


# The production shape: Redis as the cache (host -> tenant, cached_db sessions).
if "CACHE_REDIS" not in os.environ and _redis_up():
    os.environ["CACHE_REDIS"] = "1"
BENCH_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/helpdesk_bench"
)
os.environ["DATABASE_URL"] = BENCH_URL

TENANTS = 50
TOTAL = 1_000_000
BIG_OPEN = 100_000
BIG_CLOSED = 20_000
CUSTOMERS = 10


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
    priority_id, status, channel, tier, cc_emails, tags, first_response_due_at,
    resolution_due_at, next_due_at, is_breached, created_at, updated_at)
SELECT %(tenant)s, (%(customers)s::bigint[])[1 + g %% %(nc)s],
       (%(requesters)s::bigint[])[1 + g %% %(nc)s],
       1000 + g, %(prefix)s || '-' || (1000 + g), 'Bench ticket ' || g, 'Generated for the bench.',
       (%(priorities)s::bigint[])[1 + g %% 4],
       CASE WHEN g <= %(open)s THEN
            CASE WHEN r2 < 0.2 THEN (ARRAY['pending_customer','on_hold'])[1 + g %% 2]
                 ELSE (ARRAY['new','open'])[1 + g %% 2] END
            ELSE (ARRAY['resolved','closed'])[1 + g %% 2] END,
       'portal', 1 + g %% 3, '{}', '{}',
       CASE WHEN g <= %(open)s AND r2 >= 0.2 THEN due END,
       CASE WHEN g <= %(open)s AND r2 >= 0.2 THEN due + interval '1 day' END,
       CASE WHEN g <= %(open)s AND r2 >= 0.2 THEN due END,
       g <= %(open)s AND r2 >= 0.2 AND due < now(),
       now() - interval '30 days' + g * interval '1 second',
       now() - interval '30 days' + g * interval '1 second'
FROM (SELECT g, random() AS r2,
             now() - interval '2 days' + random() * interval '12 days' AS due
      FROM generate_series(1, %(n)s) g) s
"""


def _tenant_rows(index: int) -> dict:
    from sla.models import Plan, Priority
    from tenants.models import Customer, Membership, Tenant, User
    from tenants.roles import Role

    slug = f"bench{index:02d}"
    tenant = Tenant.objects.create(
        slug=slug, name=f"Bench {index}", time_zone="UTC", reference_prefix=f"B{index:02d}"
    )
    plan = Plan.objects.create(tenant=tenant, key="standard", name="Standard")
    priorities = [
        Priority.objects.create(tenant=tenant, key=k, label=k.title(), order=i).pk
        for i, k in enumerate(["critical", "high", "medium", "low"])
    ]
    customers, requesters = [], []
    for c in range(CUSTOMERS):
        customer = Customer.objects.create(tenant=tenant, name=f"Customer {c}", plan=plan)
        user = User.objects.create_user(f"client{c}@{slug}.example", "x")
        member = Membership.objects.create(
            tenant=tenant, user=user, role=Role.CLIENT, customer=customer
        )
        customers.append(customer.pk)
        requesters.append(member.pk)
    agent_user = User.objects.create_user(f"agent@{slug}.example", "x")
    Membership.objects.create(tenant=tenant, user=agent_user, role=Role.AGENT, tier=1)
    return {"tenant": tenant, "customers": customers, "requesters": requesters,
            "priorities": priorities}  # fmt: skip


def seed() -> None:
    from django.db import connection, transaction

    from tickets.models import TicketCounter

    per_small = (TOTAL - BIG_OPEN - BIG_CLOSED) // (TENANTS - 1)
    started = time.perf_counter()
    for index in range(TENANTS):
        with transaction.atomic():
            rows = _tenant_rows(index)
            tenant = rows.pop("tenant")
            n = BIG_OPEN + BIG_CLOSED if index == 0 else per_small
            n_open = BIG_OPEN if index == 0 else int(per_small * 0.3)
            with connection.cursor() as cursor:
                params = {"tenant": tenant.pk, "n": n, "open": n_open, "nc": CUSTOMERS}
                params["prefix"] = tenant.reference_prefix
                cursor.execute(TICKETS_SQL, {**rows, **params})
            TicketCounter.objects.create(tenant=tenant, last_number=1000 + n)
        if index % 10 == 0:
            print(f"  tenant {index}: {n:,} tickets ({time.perf_counter() - started:.0f} s)")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE tickets_ticket")
    print(f"seeded {TOTAL:,} tickets in {time.perf_counter() - started:.0f} s")


def seeded() -> bool:
    from tenants.models import Tenant

    return Tenant.objects.filter(slug=f"bench{TENANTS - 1:02d}").exists()


def unseed() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE tickets_ticket, tickets_ticketcounter CASCADE")
        cursor.execute("DELETE FROM tenants_membership WHERE tenant_id IN "
                       "(SELECT id FROM tenants_tenant WHERE slug LIKE 'bench%%')")  # fmt: skip
        cursor.execute("DELETE FROM tenants_user WHERE email LIKE '%%@bench%%.example'")
        cursor.execute("DELETE FROM tenants_tenant WHERE slug LIKE 'bench%%'")


def deep_cursors(tenant: object, field: str, open_only: bool, count: int) -> list[str]:
    """Real cursors at `count` depths spread over the result (the key of row k)."""
    from tickets.models import OPEN_STATUSES, Ticket
    from tickets.pagination import cursor_encode

    rows = Ticket.objects.for_tenant(tenant).filter(**{f"{field}__isnull": False})
    if open_only:
        rows = rows.filter(status__in=OPEN_STATUSES)
    total = rows.count()
    keys = []
    for i in range(count):
        depth = int(total * (i + 1) / (count + 1))
        value, pk = rows.order_by(field, "id").values_list(field, "id")[depth]
        keys.append(cursor_encode(value, pk))
    return keys


def measure(client: object, urls: list[str], requests: int) -> tuple[float, float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries = [], []
    for i in range(requests):
        url = urls[i % len(urls)]
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - start
        assert response.status_code == 200, (url, response.status_code)
        times.append(elapsed * 1000)
        queries.append(len(captured))
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    return statistics.median(times), p95, max(times), max(queries)


def run(requests: int) -> dict[str, tuple[float, float, float, int]]:
    from django.test import Client

    from tenants.models import Membership, Tenant

    tenant = Tenant.objects.get(slug="bench00")
    agent = Membership.objects.for_tenant(tenant).get(role="agent")
    client = Client(HTTP_HOST="bench00.localhost")
    client.force_login(agent.user, backend="django.contrib.auth.backends.ModelBackend")
    queue_deep = deep_cursors(tenant, "next_due_at", True, 20)
    api_deep = deep_cursors(tenant, "first_response_due_at", False, 20)
    api = "/api/tickets/?ordering=first_response_due_at"
    cases = [
        ("queue page 1 (50 rows)", ["/queue/"]),
        ("queue deep pages (cursor)", [f"/queue/?cursor={c}" for c in queue_deep]),
        ("API first_response_due_at page 1 (50)", [api]),
        ("API deep pages (cursor)", [f"{api}&cursor={c}" for c in api_deep]),
        ("API page_size=100", [f"{api}&page_size=100"]),
    ]
    for _, urls in cases:  # warm caches and connections
        measure(client, urls, 5)
    print(f"cache: {'Redis' if os.environ.get('CACHE_REDIS') == '1' else 'local memory'}")
    print(f"\n{'case':42} {'median':>9} {'p95':>9} {'max':>9} {'queries':>8}")
    results = {}
    for name, urls in cases:
        results[name] = median, p95, worst, queries = measure(client, urls, requests)
        print(f"{name:42} {median:7.1f}ms {p95:7.1f}ms {worst:7.1f}ms {queries:8d}")
    for deep, first in (
        ("queue deep pages (cursor)", "queue page 1 (50 rows)"),
        ("API deep pages (cursor)", "API first_response_due_at page 1 (50)"),
    ):
        print(f"{deep}: p95 {results[deep][1] / results[first][1]:.2f}x page 1")
    return results


DH_DIR = _HERE.parent / ".run" / "bench-django-helpdesk"
DH_URL = os.environ.get(
    "BENCH_DH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/helpdesk_bench_dh"
)


def django_helpdesk_side(requests: int) -> dict | str:
    """django-helpdesk's list on the same 100,000 open tickets, in its own virtualenv and
    process (its package is also called `helpdesk`: never on our sys.path). The figures, or
    why there are none."""
    import json
    import shutil
    import subprocess

    python = DH_DIR / "venv" / "bin" / "python"
    try:
        if not python.exists():
            DH_DIR.mkdir(parents=True, exist_ok=True)
            subprocess.run(["python3", "-m", "venv",
                            str(DH_DIR / "venv")], check=True)  # fmt: skip
            subprocess.run([str(python), "-m", "pip", "install", "-q", "django-helpdesk",
                            "psycopg[binary]"], check=True)  # fmt: skip
        shutil.copy(_HERE / "django_helpdesk_side.py", DH_DIR / "django_helpdesk_side.py")
        ours_only = ("DJANGO", "PYTHON", "DATABASE", "CACHE", "HELPDESK")
        env = {k: v for k, v in os.environ.items() if not k.startswith(ours_only)}
        done = subprocess.run(
            [str(python), "django_helpdesk_side.py", DH_URL, str(requests)],
            cwd=DH_DIR, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
    except (OSError, subprocess.CalledProcessError) as error:
        return f"could not install django-helpdesk: {error}"
    if done.returncode != 0:
        return f"django-helpdesk run failed: {done.stderr.strip()[-2000:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])


def compare(ours: dict, theirs: dict | str, dh_requests: int) -> None:
    if isinstance(theirs, str):
        print(f"\ndjango-helpdesk comparison: not run. {theirs}")
        return
    print(f"\nSame 100,000 open tickets, 50 rows a page; django-helpdesk: {theirs.pop('_version')}"
          f" ({dh_requests} requests a case: each takes seconds)")  # fmt: skip
    print(
        f"{'ours':38} {'median':>8} {'p95':>8} {'q':>3} | {'django-helpdesk':28} "
        f"{'median':>9} {'p95':>9} {'q':>4} | {'p95 ratio':>9}"
    )
    page, first = theirs["list page"], theirs["rows page 1 (50)"]
    # What an agent waits for before seeing rows: the page, then its datatables request.
    theirs["page + rows page 1"] = {
        key: page[key] + first[key] for key in ("median", "p95", "queries")
    }
    pairs = [
        ("queue page 1 (50 rows)", "list page"),
        ("queue page 1 (50 rows)", "page + rows page 1"),
        ("queue page 1 (50 rows)", "rows page 1 (50)"),
        ("queue deep pages (cursor)", "rows deep pages (50)"),
        ("API first_response_due_at page 1 (50)", "rows page 1 (50)"),
        ("API deep pages (cursor)", "rows deep pages (50)"),
    ]
    for mine, other in pairs:
        m, t = ours[mine], theirs[other]
        print(
            f"{mine:38} {m[0]:6.1f}ms {m[1]:6.1f}ms {m[3]:3d} | {other:28} "
            f"{t['median']:7.1f}ms {t['p95']:7.1f}ms {t['queries']:4d} | "
            f"{t['p95'] / m[1]:8.1f}x"
        )
    print(
        "(django-helpdesk's list page is an empty shell: its rows come from the datatables "
        "request, which COUNTs the whole queue twice and pages with OFFSET.)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument(
        "--dh-requests",
        type=int,
        default=20,
        help="requests per django-helpdesk case (each takes seconds)",
    )
    parser.add_argument("--no-django-helpdesk", action="store_true")
    parser.add_argument("--reseed", action="store_true")
    args = parser.parse_args()
    ensure_database()
    setup_django()
    if args.reseed and seeded():
        unseed()
    if not seeded():
        unseed()
        seed()
    ours = run(args.requests)
    if args.no_django_helpdesk:
        return
    print("\ndjango-helpdesk: installing/seeding if needed, then timing...", flush=True)
    compare(ours, django_helpdesk_side(args.dh_requests), args.dh_requests)


if __name__ == "__main__":
    main()
