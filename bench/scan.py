"""Benchmark: the SLA breach scan over 1,000,000 running clocks, 20,000 of them due.

    .venv/bin/python bench/scan.py [--clocks 1000000] [--tenants 100] [--due 20000]
                                   [--naive-limit N] [--interval 30]

Uses its own database (default postgres://postgres@127.0.0.1:5432/helpdesk_bench_scan, or
BENCH_SCAN_DATABASE_URL), created and migrated if missing, emptied and re-seeded every run
with INSERT ... SELECT over generate_series (one statement per tenant and table): N tenants,
each with a business calendar (New York, Mon–Fri 09–18), a policy warning at 50 % and 75 %,
a ladder escalating breaches to its team lead; tickets and one running first-response clock
each. Of the due clocks, half crossed a warning threshold and half passed their deadline;
every other clock is due days ahead. Then, in the same run:

1. one scan (`sla_scan_cross_tenant`, what beat runs) over the due clocks, in a transaction
   rolled back afterwards (so without the commit's deferred key checks: see 3b);
2. the row-at-a-time loop over the same rows (per clock: load it, `scan_step`, save it, record
   each TicketEvent, call `escalation_on_breach`/`_on_warning`, write the ticket's deadlines
   through the port), rolled back too; `--naive-limit` times it over the first N rows only
   and scales by rows (it says so);
3. a scan with nothing due (median of 20);
3b. the same pass committed (each batch's commit, with its deferred same-tenant key checks,
   included: the figure to hold against the target), in one process and spread over
   `--processes` processes (default 2), as the beat task spreads a burst over the worker pool
   (SLA_SCAN_PARALLEL); the due clocks are re-armed after each;
4. the lag: clocks whose deadlines fall in the next `--interval` seconds are added, and a
   "beat" loop runs the scan every `--interval` seconds of real time, the 20,000 due ones
   included in its first pass (the load); the lag of each from its deadline to the commit of
   its breach record is printed (target <= interval + 5 s).
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
# Production settings: DEBUG off (cached templates, no query log).
os.environ["DEBUG"] = "0"
os.environ.setdefault("SECRET_KEY", "bench-scan-" + "x" * 40)
BENCH_URL = os.environ.get(
    "BENCH_SCAN_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/helpdesk_bench_scan"
)
os.environ["DATABASE_URL"] = BENCH_URL
# As in production, the scan only queues the email deliveries it writes (a worker sends them):
# a broker on its own Redis database, emptied before and after (nothing consumes it here).
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
BENCH_BROKER = os.environ.get("BENCH_SCAN_BROKER_URL", "redis://127.0.0.1:6379/7")
os.environ["CELERY_BROKER_URL"] = BENCH_BROKER
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"
print = functools.partial(print, flush=True)  # noqa: A001 - figures appear as they come


def ensure_database() -> None:
    import psycopg

    name = BENCH_URL.rsplit("/", 1)[1]
    admin_url = BENCH_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


ensure_database()

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

call_command("migrate", verbosity=0)


def purge_broker() -> None:
    import redis

    redis.Redis.from_url(BENCH_BROKER).flushdb()


purge_broker()

from escalation import services as escalation_services  # noqa: E402
from escalation.breach_scan import sla_scan_cross_tenant  # noqa: E402
from escalation.models import EscalationLadder, EscalationLevel, Source, TargetKind  # noqa: E402
from sla import clock_state as core  # noqa: E402
from sla.clock_rows import rules_of, state_apply, state_of  # noqa: E402
from sla.models import (  # noqa: E402
    Calendar,
    Metric,
    Plan,
    Priority,
    SlaClock,
    SupportPolicy,
    Target,
)
from sla.ports import ticket_rows  # noqa: E402
from tenants.models import Customer, Membership, Tenant, User  # noqa: E402
from tenants.roles import Role  # noqa: E402
from tickets.models import EventKind, Ticket  # noqa: E402
from tickets.services.common import ticket_event_record  # noqa: E402

TARGET = timedelta(hours=8)
WEEK = {str(d): ["09:00-18:00"] for d in range(5)}


def truncate() -> None:
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE tenants_tenant, tenants_user CASCADE")


def seed_tenant(index: int, per_tenant: int, due: int, now: datetime) -> None:
    tenant = Tenant.objects.create(slug=f"bench{index}", name=f"Bench {index}")
    calendar = Calendar.objects.create(tenant=tenant, name="Office",
                                       time_zone="America/New_York", weekly=WEEK)  # fmt: skip
    plan = Plan.objects.create(tenant=tenant, key="standard", name="Standard")
    policy = SupportPolicy.objects.create(
        tenant=tenant, plan=plan, version=1, effective_from=now - timedelta(days=365),
        warning_thresholds=[50, 75],
    )  # fmt: skip
    priority = Priority.objects.create(tenant=tenant, key="high", label="High")
    target = Target.objects.create(tenant=tenant, policy=policy, priority=priority,
                                   metric=Metric.FIRST_RESPONSE, duration=TARGET,
                                   calendar=calendar)  # fmt: skip
    customer = Customer.objects.create(tenant=tenant, name="Bench Inc.", plan=plan)
    client = User.objects.create_user(f"client@bench{index}.example", None)
    requester = Membership.objects.create(tenant=tenant, user=client, role=Role.CLIENT,
                                          customer=customer)  # fmt: skip
    lead = User.objects.create_user(f"lead@bench{index}.example", None)
    Membership.objects.create(tenant=tenant, user=lead, role=Role.TEAM_LEAD)
    ladder = EscalationLadder.objects.create(tenant=tenant, name="Breaches",
                                             sources=[Source.SLA_BREACH])  # fmt: skip
    EscalationLevel.objects.create(tenant=tenant, ladder=ladder, position=1, name="Team lead",
                                   target_kind=TargetKind.ROLE, target_role=Role.TEAM_LEAD,
                                   acknowledge_within=timedelta(hours=4))  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {Ticket._meta.db_table} (tenant_id, customer_id, requester_id,
                  priority_id, policy_id, number, reference, subject, description, status,
                  channel, tier, cc_emails, tags, is_breached, version, created_at, updated_at)
                SELECT %s, %s, %s, %s, %s, g, 'B' || %s || '-' || g, 'Bench', '', 'open',
                       'portal', 1, '{{}}', '{{}}', false, 1, %s, %s
                  FROM generate_series(1, %s) AS g""",  # noqa: S608
            [tenant.pk, customer.pk, requester.pk, priority.pk, policy.pk, index, now, now,
             per_tenant],
        )  # fmt: skip
        # Clocks: the first `due` tickets' are due (odd: past the deadline; even: past 50 %,
        # deadline ahead); the others are due 1..10 days ahead. Warned thresholds, next alert
        # and deadlines as the engine would have left them (next alert = the 50 % instant or
        # the deadline; consumed counted at the start).
        cursor.execute(
            f"""INSERT INTO {SlaClock._meta.db_table} (tenant_id, ticket_id, metric, target_id,
                  status, started_at, due_at, target_duration, consumed, consumed_as_of,
                  warned_percent, cycle, pause_kind, next_alert_at, updated_at)
                SELECT t.tenant_id, t.id, 'first_response', %s, 'running', s.started,
                       s.due, interval '8 hours', interval '0', s.started,
                       CASE WHEN s.n <= %s AND s.n %% 2 = 1 THEN 75 ELSE 0 END, 1, '',
                       CASE WHEN s.n <= %s THEN %s - (s.n %% 3600) * interval '1 second'
                            ELSE %s + interval '1 day' + (s.n %% 777600) * interval '1 second'
                       END, %s
                  FROM {Ticket._meta.db_table} t
                  CROSS JOIN LATERAL (SELECT t.number AS n,
                        %s - interval '3 days' AS started,
                        CASE WHEN t.number <= %s AND t.number %% 2 = 1
                             THEN %s - (t.number %% 3600) * interval '1 second'
                             WHEN t.number <= %s THEN %s + interval '2 days'
                             ELSE %s + interval '1 day' + (t.number %% 777600) * interval '1 second'
                        END AS due) s
                 WHERE t.tenant_id = %s""",  # noqa: S608
            [target.pk, due, due, now, now, now, now, due, now, due, now, now, tenant.pk],
        )  # fmt: skip


def seed(clocks: int, tenants: int, due: int, now: datetime) -> None:
    t0 = time.perf_counter()
    truncate()
    per_tenant, due_each = clocks // tenants, due // tenants
    for index in range(tenants):
        with transaction.atomic():
            seed_tenant(index, per_tenant, due_each, now)
    with connection.cursor() as cursor:
        for table in ("tickets_ticket", "sla_slaclock"):
            cursor.execute(f"VACUUM ANALYZE {table}")
        cursor.execute("SELECT count(*) FROM sla_slaclock WHERE next_alert_at <= %s", [now])
        found = cursor.fetchone()[0]
    print(f"seeded {per_tenant * tenants:,} running clocks across {tenants} tenants, "
          f"{found:,} due, in {time.perf_counter() - t0:.0f} s")  # fmt: skip


class Rollback(Exception):
    pass


def timed_rolled_back(run) -> tuple[float, object]:
    result = None
    t0 = time.perf_counter()
    try:
        with transaction.atomic():
            result = run()
            elapsed = time.perf_counter() - t0
            raise Rollback
    except Rollback:
        pass
    return elapsed, result


def naive(now: datetime, limit: int | None) -> int:
    """Row at a time: the shape of a scan written with the per-row services."""
    ids = list(
        SlaClock.objects.cross_tenant().filter(next_alert_at__lte=now)
        .order_by("next_alert_at").values_list("pk", flat=True)[:limit]
    )  # fmt: skip
    for pk in ids:
        clock = (
            SlaClock.objects.cross_tenant().select_related("target__calendar", "target__policy",
                                                           "tenant")  # fmt: skip
            .select_for_update(of=("self",)).get(pk=pk)
        )
        outcome = core.scan_step(state_of(clock), rules_of(clock.target), now)
        state_apply(clock, outcome.state)
        clock.save()
        tenant = clock.tenant
        ticket = Ticket.objects.for_tenant(tenant).get(pk=clock.ticket_id)
        for percent in outcome.warned:
            ticket_event_record(tenant=tenant, ticket=ticket, actor=None,
                                kind=EventKind.SLA_WARNING, at=now,
                                data={"clock": pk, "percent": percent})  # fmt: skip
            escalation_services.escalation_on_warning(
                tenant=tenant, ticket_id=ticket.pk, clock_id=pk, metric=clock.metric,
                cycle=clock.cycle, percent=percent, warned_at=now,
            )  # fmt: skip
        if outcome.breached:
            ticket_event_record(tenant=tenant, ticket=ticket, actor=None,
                                kind=EventKind.SLA_BREACHED, at=outcome.state.breached_at,
                                data={"clock": pk})  # fmt: skip
            escalation_services.escalation_on_breach(
                tenant=tenant, ticket_id=ticket.pk, clock_id=pk, metric=clock.metric,
                cycle=clock.cycle, breached_at=outcome.state.breached_at,
            )  # fmt: skip
        deadlines = core.ticket_deadlines([outcome.state], now=now)
        ticket_rows().write_deadlines(tenant=tenant, deadlines={ticket.pk: deadlines})
    return len(ids)


def lag(interval: int, tenants: int) -> list[float]:
    """Clocks due in the next `interval` seconds; a beat loop scanning every `interval` s."""
    start = timezone.now()
    count = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for tenant in Tenant.objects.order_by("pk")[:tenants]:
            # Push a handful of the tenant's far clocks onto deadlines in the coming seconds.
            cursor.execute(
                """UPDATE sla_slaclock SET due_at = %s + (id %% %s) * interval '1 second',
                          next_alert_at = %s + (id %% %s) * interval '1 second',
                          warned_percent = 75
                    WHERE id IN (SELECT id FROM sla_slaclock WHERE tenant_id = %s
                                  AND next_alert_at > %s + interval '1 day' LIMIT 2)""",
                [start, interval, start, interval, tenant.pk, start],
            )
            count += cursor.rowcount
    watched = dict(
        SlaClock.objects.cross_tenant().filter(
            next_alert_at__gte=start, next_alert_at__lt=start + timedelta(seconds=interval)
        )
        .values_list("pk", "due_at")
    )  # fmt: skip
    print(f"lag: {count} clocks with deadlines in the next {interval} s, the 20,000 due "
          f"still pending (the first pass's load); beat every {interval} s")  # fmt: skip
    lags: dict[int, float] = {}
    give_up = time.time() + 900
    while time.time() < give_up and len(lags) < len(watched):
        began = time.time()
        result = sla_scan_cross_tenant()
        ended = timezone.now()
        print(f"  pass at +{(ended - start).total_seconds():5.1f} s took "
              f"{time.time() - began:.2f} s: {result}")  # fmt: skip
        for pk in SlaClock.objects.cross_tenant().filter(
            pk__in=list(watched), status="breached"
        ).values_list("pk", flat=True):
            lags.setdefault(pk, (ended - watched[pk]).total_seconds())
        time.sleep(max(0.0, interval - (time.time() - began)))
    return list(lags.values())


def rearm(tenants: int, due: int, now: datetime) -> None:
    """Put the seeded due clocks back as they were seeded (and drop what the last run
    recorded), so every committed pass and the lag are measured under the same load."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE tickets_ticketevent, escalation_escalation, sla_clocksegment, "
                       "outbound_notification, outbound_delivery CASCADE")  # fmt: skip
        cursor.execute(
            """UPDATE sla_slaclock c
                  SET status = 'running', breached_at = NULL,
                      warned_percent = CASE WHEN t.number %% 2 = 1 THEN 75 ELSE 0 END,
                      due_at = CASE WHEN t.number %% 2 = 1
                                    THEN %s - (t.number %% 3600) * interval '1 second'
                                    ELSE %s + interval '2 days' END,
                      next_alert_at = %s - (t.number %% 3600) * interval '1 second'
                 FROM tickets_ticket t
                WHERE t.id = c.ticket_id AND t.number <= %s""",
            [now, now, now, due // tenants],
        )
        cursor.execute("UPDATE tickets_ticket SET is_breached = false WHERE is_breached")
    with connection.cursor() as cursor:  # every pass starts alike: no dead rows of the last
        cursor.execute("VACUUM ANALYZE sla_slaclock, tickets_ticket")
    print(f"re-armed {due:,} due clocks")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clocks", type=int, default=1_000_000)
    parser.add_argument("--tenants", type=int, default=100)
    parser.add_argument("--due", type=int, default=20_000)
    parser.add_argument("--naive-limit", type=int, default=None)
    parser.add_argument("--interval", type=int, default=30)
    parser.add_argument("--processes", type=int, default=2,
                        help="also time the committed pass spread over this many processes")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse the seeded database (re-arm the due clocks) instead of seeding")
    parser.add_argument("--lag-only", action="store_true",
                        help="reuse the seeded database: re-arm the due clocks, measure the lag")
    args = parser.parse_args()
    now = timezone.now().replace(microsecond=0)
    if args.lag_only:
        rearm(args.tenants, args.due, now)
        report_lag(args)
        purge_broker()
        return
    if args.reuse:
        rearm(args.tenants, args.due, now)
    else:
        seed(args.clocks, args.tenants, args.due, now)

    times = []
    for _ in range(2):  # the first warms the calendar cache and the plans
        elapsed, result = timed_rolled_back(lambda: sla_scan_cross_tenant(now=now))
        times.append(elapsed)
    print(f"scan, {args.due:,} due, rolled back (no commit, no deferred key checks): "
          f"{times[-1]:.2f} s (first run {times[0]:.2f} s): {result}")  # fmt: skip
    scan_time = times[-1]

    elapsed, rows = timed_rolled_back(lambda: naive(now, args.naive_limit))
    per_row = elapsed / max(rows, 1)
    naive_total = per_row * args.due
    scaled = f" (timed over {rows:,} rows, scaled by rows)" if rows < args.due else ""
    print(f"row-at-a-time loop: {naive_total:.1f} s{scaled}; {per_row * 1000:.2f} ms/clock")
    print(f"speed-up: {naive_total / scan_time:.1f}x")

    idle = []
    early = now - timedelta(days=30)
    for _ in range(20):
        t0 = time.perf_counter()
        sla_scan_cross_tenant(now=early)
        idle.append(time.perf_counter() - t0)
    print(f"scan, none due: median {statistics.median(idle) * 1000:.1f} ms, "
          f"max {max(idle) * 1000:.1f} ms")  # fmt: skip

    for processes in sorted({1, args.processes}):
        pool_scan(processes, now, args.due)
        rearm(args.tenants, args.due, now)
    report_lag(args)
    purge_broker()


def _pool_part(part: tuple[datetime, bool]) -> str:
    now, helper = part
    return str(sla_scan_cross_tenant(now=now, helper=helper))


def pool_scan(processes: int, now: datetime, due: int) -> None:
    """The same pass committed (each batch's commit and its deferred same-tenant key checks
    included), in one process and spread over `--processes` processes, as the beat task
    spreads it over the worker pool (SLA_SCAN_PARALLEL); the due clocks are re-armed after."""
    import multiprocessing

    from django.db import connections

    connections.close_all()
    began = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        parts = pool.map(_pool_part, [(now, i > 0) for i in range(processes)])
    elapsed = time.perf_counter() - began
    print(f"scan, {due:,} due, committed, {processes} process"
          f"{'es' if processes > 1 else ''} (fork included): {elapsed:.2f} s")  # fmt: skip
    for part in parts:
        print(f"  {part}")


def report_lag(args: argparse.Namespace) -> None:
    lags = lag(args.interval, args.tenants)
    if lags:
        print(f"lag deadline -> breach record: max {max(lags):.1f} s, median "
              f"{statistics.median(lags):.1f} s over {len(lags)} clocks "
              f"(target <= {args.interval + 5} s)")  # fmt: skip


if __name__ == "__main__":
    main()
