"""Fault tests of the recompute against real services (issue #9, items 1 and 2).

1. A calendar's hours change three times under a stream of ticket status events from several
   threads (real connections): no deadlock, no job fails, and afterwards every running
   clock's deadline is the one a fresh computation gives (nothing kept the old hours).
2. A real Celery worker (a subprocess, on a redis-server started for the test) is SIGKILLed in
   the middle of a multi-chunk recompute; a new worker takes the job over once its lease has
   expired, and it completes with every clock right.
"""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.db import connection, transaction
from django.utils import timezone

from sla import configuration, recompute
from sla.calendar_cache import build_business_calendar
from sla.models import Calendar, ClockStatus, Metric, RecomputeJob, SlaClock
from tests.sla.factories import make_ticket, sla_setup, start_clocks
from tickets import services as ticket_services
from tickets.models import Status, Ticket

pytestmark = [pytest.mark.fault, pytest.mark.django_db(transaction=True)]
H = timedelta(hours=1)
ROOT = Path(__file__).resolve().parents[2]
HOURS = [["08:00-16:00"], ["10:00-18:00"], ["07:30-12:00", "13:00-19:00"]]


def _open_tickets(tenant, n: int):
    """Tickets opened now (real time: other threads and processes work on them), with targets
    long enough that no clock runs out during the test."""
    plan, _, priority, calendar = sla_setup(
        tenant, targets={Metric.FIRST_RESPONSE: 60 * H, Metric.RESOLUTION: 300 * H}
    )
    tickets = []
    now = timezone.now()
    for _ in range(n):
        ticket = make_ticket(tenant=tenant, priority=priority, plan=plan, created_at=now)
        start_clocks(tenant=tenant, ticket=ticket, plan=plan, priority=priority, at=now)
        tickets.append(ticket)
    return tickets, calendar


def assert_every_clock_right(tenant) -> None:
    """Each running clock's due_at is what a fresh computation on its calendar's current
    hours gives, and each ticket shows its clocks' deadlines."""
    fresh = {c.pk: build_business_calendar(c) for c in Calendar.objects.filter(tenant=tenant)}
    wrong = []
    clocks = SlaClock.objects.filter(tenant=tenant).select_related("target")
    for clock in clocks:
        if clock.status != ClockStatus.RUNNING:
            assert clock.due_at is None or clock.status != ClockStatus.PAUSED
            continue
        left = clock.target_duration - clock.consumed
        assert left > timedelta(0)  # the setup keeps every clock within its target
        expected = fresh[clock.target.calendar_id].add_business_time(clock.consumed_as_of, left)
        if clock.due_at != expected:
            wrong.append((clock.pk, clock.due_at, expected))
    assert wrong == []
    for ticket in Ticket.objects.filter(tenant=tenant):
        running = [c.due_at for c in clocks if c.ticket_id == ticket.pk
                   and c.status == ClockStatus.RUNNING]  # fmt: skip
        assert ticket.next_due_at == (min(running) if running else None), ticket.reference


def test_calendar_changes_under_a_stream_of_status_events_neither_deadlock_nor_go_stale(tenant):
    tickets, calendar = _open_tickets(tenant, 40)
    ids = [t.pk for t in tickets]
    stop = threading.Event()
    errors: list[BaseException] = []
    events = itertools.count()

    def agent(offset: int) -> None:
        cycle = itertools.cycle([Status.OPEN, Status.PENDING_CUSTOMER, Status.OPEN,
                                 Status.ON_HOLD])  # fmt: skip
        try:
            for i in itertools.count():
                if stop.is_set() and i > 10:
                    break
                ticket = Ticket.objects.get(pk=ids[(offset * 7 + i * 3) % len(ids)])
                target = next(cycle)
                if ticket.status == target:
                    continue
                ticket_services.ticket_set_status(tenant=tenant, ticket=ticket, status=target,
                                                  actor=None)  # fmt: skip
                next(events)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    agents = [threading.Thread(target=agent, args=(n,)) for n in range(4)]
    for thread in agents:
        thread.start()
    # Small chunks: each job is many transactions interleaved with the agents' events.
    with mock.patch.object(recompute, "CHUNK", 7):
        for hours in HOURS:
            calendar = Calendar.objects.get(pk=calendar.pk)
            calendar.weekly = {str(d): hours for d in range(5)}
            configuration.calendar_save(tenant=tenant, calendar=calendar)  # runs it on commit
    stop.set()
    for thread in agents:
        thread.join(60)
    assert errors == []
    assert next(events) > 20  # the events really interleaved with the jobs
    jobs = list(RecomputeJob.objects.filter(tenant=tenant).values_list("status", "error"))
    assert jobs == [(RecomputeJob.Status.DONE, "")] * len(HOURS)
    assert_every_clock_right(tenant)


# --------------------------------------------------------------------------- worker SIGKILL


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def broker(tmp_path):
    """A redis-server of our own on a spare port (killed at the end), else a filesystem
    broker in a temporary directory."""
    server = shutil.which("redis-server")
    if server is None:
        folder = tmp_path / "broker"
        folder.mkdir()
        yield {"CELERY_BROKER_URL": "filesystem://", "CELERY_FILESYSTEM_BROKER_DIR": str(folder)}
        return
    port = _free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--save", "", "--appendonly", "no", "--bind", "127.0.0.1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield {"CELERY_BROKER_URL": f"redis://127.0.0.1:{port}/0"}
    finally:
        process.kill()
        process.wait(10)


def _worker(broker_env: dict[str, str], lease_seconds: int) -> subprocess.Popen:
    db = connection.settings_dict
    env = {
        **os.environ, **broker_env,
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings", "DEBUG": "1",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "SLA_RECOMPUTE_CHUNK": "10", "SLA_RECOMPUTE_LEASE_SECONDS": str(lease_seconds),
    }  # fmt: skip
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "helpdesk", "worker", "--pool=solo",
         "--concurrency=1", "--without-heartbeat", "--without-gossip", "--without-mingle",
         "--loglevel=WARNING"],
        cwd=ROOT, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def _send(broker_env: dict[str, str], job_id: int) -> None:
    from celery import Celery

    app = Celery(broker=broker_env["CELERY_BROKER_URL"])
    if "CELERY_FILESYSTEM_BROKER_DIR" in broker_env:
        folder = broker_env["CELERY_FILESYSTEM_BROKER_DIR"]
        app.conf.broker_transport_options = {"data_folder_in": folder, "data_folder_out": folder}
    app.send_task("sla.tasks.recompute_clocks", args=[job_id])
    app.close()


def _wait_for(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def _job(job_id: int) -> RecomputeJob:
    return RecomputeJob.objects.get(pk=job_id)


def test_a_worker_killed_mid_recompute_is_taken_over_and_the_job_completes(tenant, broker):
    tickets, calendar = _open_tickets(tenant, 35)  # 70 clocks: 7 chunks of 10
    calendar.weekly = {str(d): ["10:00-18:00"] for d in range(5)}
    calendar.revision += 1
    calendar.save()
    job = RecomputeJob.objects.create(tenant=tenant, calendar=calendar, reason="hours")
    # Hold a ticket of the job's second chunk: the worker commits chunk 1, then waits there.
    second_chunk_ticket = sorted(t.pk for t in tickets)[6]
    first = _worker(broker, lease_seconds=300)
    try:
        with transaction.atomic():
            Ticket.objects.select_for_update().filter(pk=second_chunk_ticket).get()
            _send(broker, job.pk)
            assert _wait_for(lambda: _job(job.pk).done >= 10, 30), "chunk 1 never committed"
            os.killpg(first.pid, signal.SIGKILL)  # mid-job: chunk 2 open, waiting on our lock
            first.wait(10)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    stuck = _job(job.pk)
    assert (stuck.status, stuck.attempts) == (RecomputeJob.Status.RUNNING, 1)
    assert 10 <= stuck.done < 70

    second = _worker(broker, lease_seconds=1)
    try:
        time.sleep(1.5)  # let the dead worker's lease run out (a real process: bounded wait)
        _send(broker, job.pk)  # what the sweeper does for a running job past its lease
        assert _wait_for(lambda: _job(job.pk).status == RecomputeJob.Status.DONE, 30)
    finally:
        os.killpg(second.pid, signal.SIGKILL)
        second.wait(10)
    done = _job(job.pk)
    assert (done.attempts, done.done, done.total, done.error) == (2, 70, 70, "")
    assert_every_clock_right(tenant)
