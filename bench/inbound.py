"""Benchmark: inbound email accepted by the webhooks and parsed into tickets.

    .venv/bin/python bench/inbound.py [--messages 2000] [--posters 2] [--workers 2]
        [--tenants 1..4] [--rate R] [--accept-first]

Uses its own database (default postgres://postgres@127.0.0.1:5432/helpdesk_bench_inbound, or
BENCH_DATABASE_URL), created and migrated if missing, with the four demo tenants, and a
Redis broker (REDIS_URL, default redis://127.0.0.1:6379/0). Earlier runs' deliveries are moved
two hours back first (and the table vacuumed), out of the hourly windows every message is
counted against, so every run starts alike.

1. A Celery worker is started (`celery -A helpdesk worker`, prefork, --workers processes),
   the production shape: the webhook only stores and queues, the worker parses (and sends
   the acknowledgements the parse writes to the outbox).
2. `--posters` processes post the messages through Django's test Client (the whole
   middleware stack, anymail's views and authentication; no network), alternating SendGrid's
   inbound parse (raw MIME in `email`) and Mailgun's `inbound_mime` (signed), to the
   inbound address of `--tenants` demo tenants (default 1: BytezTech) from 50 addresses per
   tenant on a customer's domain (contacts are created the first time), each with a unique
   Message-ID. Printed: messages/s accepted, and the median and p95 webhook time.
   With `--rate R` the posts are paced at R messages/s in all, to measure the lag at a
   steady arrival rate rather than behind a burst. With `--accept-first` the worker starts
   only after the last acceptance: the webhook and the parse are measured apart (parsed/s
   from the worker's first ticket; the lag then means nothing).
3. Then it waits for the worker, until every message is parsed and every acknowledgement
   the run wrote is delivered (they queue behind the parses): printed are messages/s parsed
   into tickets (from the first acceptance to the last ticket), the p50/p95/max lag from
   acceptance (row received) to ticket (row processed), the rows' statuses, and CPU
   milliseconds per message: the posters' Python inside the requests and their database
   backends (the webhook), the worker's processes and their backends, polled while it runs
   (parse, acknowledgement delivery, Celery). CPU per
   message is the figure to compare on a busy machine; the rates follow the machine's load
   (printed too). Targets: >= 400/s accepted, >= 100/s parsed, p95 lag <= 5 s.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/ holds a file named like the stdlib's `queue`: keep that folder off the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
BENCH_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/helpdesk_bench_inbound"
)
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
SECRET = "bench:webhook-secret"
SIGNING_KEY = "bench-mailgun-signing-key"
ENV = {
    "DATABASE_URL": BENCH_URL,
    "DJANGO_SETTINGS_MODULE": "helpdesk.settings",
    "HELPDESK_TESTING": "1",
    "AXES_ENABLED": "0",
    "CELERY_BROKER_URL": REDIS_URL,
    "CELERY_TASK_ALWAYS_EAGER": "0",
    "ANYMAIL_WEBHOOK_SECRET": SECRET,
    "ANYMAIL_MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY,
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    "INBOUND_SENDER_MAX_PER_HOUR": "1000000",
    "INBOUND_ACK_MAX_PER_RECIPIENT_HOUR": "1000000",
    "INBOUND_ACK_MAX_PER_TENANT_HOUR": "1000000",
    "LOG_LEVEL": "WARNING",
}
os.environ.update(ENV)


def ensure_database() -> None:
    import psycopg

    name = BENCH_URL.rsplit("/", 1)[1]
    admin_url = BENCH_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def setup() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from demo.data import DEMO_TENANTS, load_demo_tenant

    for spec in DEMO_TENANTS:
        load_demo_tenant(spec)
    age_earlier_runs()


def age_earlier_runs() -> None:
    """Earlier runs' deliveries leave the hourly windows (the sender limit, the
    acknowledgement caps, counted for every message): each run starts alike."""
    from datetime import timedelta

    from django.db.models import F
    from django.utils import timezone

    from notifications.inbound.models import InboundEmail

    shift = timedelta(hours=2)
    InboundEmail.objects.cross_tenant().filter(received_at__gt=timezone.now() - shift).update(
        received_at=F("received_at") - shift,
        ack_at=F("ack_at") - shift,
        processed_at=F("processed_at") - shift,
    )
    from django.db import connection

    with connection.cursor() as cursor:  # not the dead versions the update left in the indexes
        cursor.execute(f"VACUUM ANALYZE {InboundEmail._meta.db_table}")


SLUGS = ["bytez", "bitcraft", "ionetech", "cloudops"]


def raw_message(run: str, n: int, addresses: list[str]) -> tuple[bytes, str, str]:
    slug = SLUGS[n % len(addresses)]
    sender = f"user{n % 50}@standard.{slug}.example"
    support = addresses[n % len(addresses)]
    body = (
        f"From: User {n % 50} <{sender}>\r\nTo: {support}\r\nSubject: Bench message {n}\r\n"
        f"Message-ID: <bench-{run}-{n}@standard.{slug}.example>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/alternative; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        f"The service has been slow since this morning (message {n}).\r\n\r\n"
        "On Sun, 29 Nov 2026 Support wrote:\r\n> earlier text\r\n"
        "--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        f"<p>The service has been slow since this morning (message {n}).</p>\r\n--b--\r\n"
    )
    return body.encode(), sender, support


def backend_cpu_seconds(pids: list[int]) -> float:
    """CPU seconds PostgreSQL backends have used (a server on this machine; 0 if unreadable)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


WORKER_APPLICATION = "bench-inbound-worker"  # the worker's connections say so to PostgreSQL


def poll_backends(seen: dict[int, float]) -> None:
    """Record the CPU seconds of the worker's database backends by pid."""
    from django.db import connections

    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND application_name = %s",
            [WORKER_APPLICATION],
        )
        for (pid,) in cursor.fetchall():
            seen[pid] = max(seen.get(pid, 0.0), backend_cpu_seconds([pid]))


def post_range(args: tuple[str, int, int, list[str], float]) -> tuple[list[float], float, float]:
    """One poster process: post messages start..stop; returns each request's seconds, this
    process's CPU seconds in the requests and its database backend's CPU seconds.
    `interval` > 0 paces the posts (a steady arrival rate instead of a burst)."""
    run, start, stop, addresses, interval = args
    from django.db import connections
    from django.test import Client

    from tests.notifications.inbound import esp

    connections.close_all()
    client = Client()
    auth = esp.basic_auth(SECRET)
    timings = []
    cpu = 0.0
    next_at = time.perf_counter()
    for n in range(start, stop):
        if interval:
            next_at += interval
            time.sleep(max(0.0, next_at - time.perf_counter()))
        raw, sender, support = raw_message(run, n, addresses)
        if (n // len(addresses)) % 2:
            fields = esp.mailgun_sign(
                {"recipient": support, "sender": sender, "body-mime": raw}, key=SIGNING_KEY
            )
            body, content_type = esp.multipart(fields)
            url = "/anymail/mailgun/inbound_mime/"
        else:
            body, content_type = esp.multipart(
                esp.sendgrid_fields(raw, recipient=support, sender=sender)
            )
            url = "/anymail/sendgrid/inbound/"
        began, began_cpu = time.perf_counter(), time.process_time()
        response = client.post(url, body, content_type=content_type, HTTP_AUTHORIZATION=auth)
        timings.append(time.perf_counter() - began)
        cpu += time.process_time() - began_cpu
        if response.status_code != 200:
            raise SystemExit(f"webhook answered {response.status_code}: {response.content[:200]}")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        database_cpu = backend_cpu_seconds([cursor.fetchone()[0]])
    connections.close_all()
    return timings, cpu, database_cpu


def start_worker(workers: int) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "helpdesk",
        "worker",
        "--pool",
        "prefork",
        "--concurrency",
        str(workers),
        "--loglevel",
        "WARNING",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    env = {
        **os.environ,
        **ENV,
        "DATABASE_URL": f"{BENCH_URL}?application_name={WORKER_APPLICATION}",
    }
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--posters", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--rate",
        type=float,
        default=0,
        help="post at this many messages/s in all (0: as fast as the webhook takes them)",
    )
    parser.add_argument(
        "--tenants",
        type=int,
        default=1,
        choices=[1, 2, 3, 4],
        help="spread the messages over this many demo tenants (each numbers its tickets "
        "under its own lock, so tenants are parsed in parallel)",
    )
    parser.add_argument(
        "--accept-first",
        action="store_true",
        help="start the worker only once every message is accepted: the webhook and the "
        "parse are measured apart (parsed/s counts from the worker's start; lag is then "
        "meaningless)",
    )
    options = parser.parse_args()
    ensure_database()
    setup()
    from django.db import connections
    from django.db.models import F
    from django.utils import timezone

    from notifications.inbound.models import InboundEmail, InboundStatus
    from notifications.outbound.models import Delivery, DeliveryStatus
    from tenants.models import Tenant

    # Each tenant's own inbound address (the demo gives two of them real-looking ones).
    by_slug = dict(Tenant.objects.values_list("slug", "inbound_email"))
    addresses = [by_slug[slug] for slug in SLUGS[: options.tenants]]
    run = uuid.uuid4().hex[:10]
    run_began = timezone.now()
    if not options.accept_first:
        worker = start_worker(options.workers)
        time.sleep(3)  # let the worker connect to the broker (a real process: bounded wait)
    connections.close_all()
    size, posters = options.messages, options.posters
    chunks = [
        (
            run,
            i * size // posters,
            (i + 1) * size // posters,
            addresses,
            posters / options.rate if options.rate else 0.0,
        )
        for i in range(posters)
    ]
    began = time.perf_counter()
    # The worker's database backends: polled while it runs (from here when it parses during
    # the posting), since Celery's Django fixup recycles a process's connection every
    # CELERY_DB_REUSE_MAX tasks (a closed backend's CPU is its last reading).
    worker_backends: dict[int, float] = {}
    with multiprocessing.get_context("fork").Pool(options.posters) as pool:
        posting = pool.map_async(post_range, chunks)
        while not posting.ready():
            if not options.accept_first:
                poll_backends(worker_backends)
            posting.wait(0.5)
        results = posting.get()
    accept_seconds = time.perf_counter() - began
    timings = [t for chunk, _cpu, _db in results for t in chunk]
    webhook_cpu = sum(cpu for _t, cpu, _db in results)
    webhook_db_cpu = sum(db for _t, _cpu, db in results)
    if options.accept_first:
        worker = start_worker(options.workers)
    children_before = os.times()
    rows = InboundEmail.objects.cross_tenant().filter(message_id__startswith=f"<bench-{run}-")
    # This run's acknowledgements (queued behind the parses): the worker is stopped only once
    # they are delivered, so its CPU covers them.
    acks = Delivery.objects.cross_tenant().filter(
        created_at__gte=run_began, status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING]
    )
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        poll_backends(worker_backends)
        if not rows.filter(status=InboundStatus.RECEIVED).exists() and not acks.exists():
            break
        time.sleep(0.5)
    poll_backends(worker_backends)
    worker_db_cpu = sum(worker_backends.values())
    acks_left = acks.count()
    os.kill(worker.pid, signal.SIGTERM)  # warm shutdown: the pool's children end with it
    try:
        worker.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
    children_after = os.times()
    # The worker and its pool processes (reaped: counted in our children's times).
    worker_cpu = (children_after.children_user + children_after.children_system) - (
        children_before.children_user + children_before.children_system
    )
    done = list(
        rows.exclude(status=InboundStatus.RECEIVED)
        .filter(processed_at__isnull=False)
        .annotate(lag=F("processed_at") - F("received_at"))
        .values_list("status", "received_at", "processed_at", "lag")
    )
    statuses: dict[str, int] = {}
    for status, *_ in done:
        statuses[status] = statuses.get(status, 0) + 1
    lags = [row[3].total_seconds() for row in done]
    # From the first acceptance; with --accept-first from the worker's first ticket (its
    # start-up is not parsing time).
    first = min(row[2] for row in done) if options.accept_first else min(row[1] for row in done)
    last = max(row[2] for row in done)
    parse_seconds = (last - first).total_seconds()
    statuses["unprocessed"] = rows.count() - len(done)
    tickets = statuses.get("ticket_created", 0)
    figures = {
        "load_average_1m": round(os.getloadavg()[0], 2),
        "messages": options.messages,
        "posters": options.posters,
        "workers": options.workers,
        "tenants": options.tenants,
        "rate_asked": options.rate or "max",
        "accept_first": options.accept_first,
        "accepted_per_second": round(options.messages / accept_seconds, 1),
        "webhook_ms_p50": round(statistics.median(timings) * 1000, 2),
        "webhook_ms_p95": round(pct(timings, 95) * 1000, 2),
        "parsed_into_tickets_per_second": round(tickets / parse_seconds, 1),
        "lag_s_p50": round(pct(lags, 50), 2),
        "lag_s_p95": round(pct(lags, 95), 2),
        "lag_s_max": round(max(lags), 2),
        # CPU per message (robust to a busy machine, unlike the rates): the posters' Python
        # in the requests and their database backends; the worker (parse, acknowledgement
        # delivery, Celery) and its backends. Backends' figures need PostgreSQL on this host.
        "webhook_cpu_ms_per_message": round(webhook_cpu * 1000 / options.messages, 2),
        "webhook_db_cpu_ms_per_message": round(webhook_db_cpu * 1000 / options.messages, 2),
        "worker_cpu_ms_per_message": round(worker_cpu * 1000 / options.messages, 2),
        "worker_db_cpu_ms_per_message": round(worker_db_cpu * 1000 / options.messages, 2),
        "statuses": statuses,
        "acknowledgements_undelivered": acks_left,
    }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
