"""Recompute jobs have a lease: a heartbeat per chunk; a job whose worker died is taken over
(or failed after too many takeovers), by the next claim or the sweeper, and the admin sees it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.utils import timezone

from sla import recompute
from sla.models import Metric, RecomputeJob, SlaClock
from sla.recompute import LEASE, MAX_ATTEMPTS, recompute_job_run
from sla.tasks import recompute_pending_jobs_cross_tenant
from tests.conftest import login_as
from tests.sla.factories import make_ticket, sla_setup, start_clocks

H = timedelta(hours=1)
MON_9 = datetime(2026, 3, 2, 14, tzinfo=UTC)
Status = RecomputeJob.Status


@pytest.fixture
def changed(tenant):
    """Three tickets' clocks on a calendar whose hours then change (10:00-18:00)."""
    plan, _, priority, calendar = sla_setup(tenant, targets={Metric.FIRST_RESPONSE: 4 * H})
    for _ in range(3):
        ticket = make_ticket(tenant=tenant, priority=priority, plan=plan, created_at=MON_9)
        start_clocks(tenant=tenant, ticket=ticket, plan=plan, priority=priority, at=MON_9)
    calendar.weekly = {str(d): ["10:00-18:00"] for d in range(5)}
    calendar.revision += 1
    calendar.save()
    return calendar


def _dead_job(tenant, calendar, *, attempts=1, heartbeat_age=LEASE + timedelta(seconds=1)):
    """A job a worker claimed and then died in: running, heartbeat older than the lease."""
    return RecomputeJob.objects.create(
        tenant=tenant, calendar=calendar, reason="hours changed", status=Status.RUNNING,
        started_at=timezone.now() - heartbeat_age, heartbeat_at=timezone.now() - heartbeat_age,
        attempts=attempts, done=1, total=3,
    )  # fmt: skip


def _all_right(tenant) -> bool:
    dues = set(SlaClock.objects.filter(tenant=tenant).values_list("due_at", flat=True))
    return dues == {MON_9 + 5 * H}  # 10:00 + 4 h = 14:00 New York


def test_each_chunk_beats_the_heartbeat(tenant, changed):
    job = RecomputeJob.objects.create(tenant=tenant, calendar=changed, reason="hours")
    beats = []
    real = recompute._apply_chunk

    def spy(*args, **kwargs):
        beats.append(RecomputeJob.objects.get(pk=job.pk).heartbeat_at)
        return real(*args, **kwargs)

    with (
        mock.patch.object(recompute, "CHUNK", 1),
        mock.patch.object(recompute, "_apply_chunk", spy),
    ):
        recompute_job_run(tenant=tenant, job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.attempts) == (Status.DONE, 3, 3, 1)
    assert len(beats) == 3 and beats == sorted(beats) and job.heartbeat_at >= beats[-1]
    assert _all_right(tenant)


def test_a_job_whose_worker_died_is_taken_over_and_completes(tenant, changed):
    job = _dead_job(tenant, changed)
    recompute_job_run(tenant=tenant, job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.done) == (Status.DONE, 2, 3)
    assert _all_right(tenant)


def test_a_job_whose_worker_is_alive_is_left_to_it(tenant, changed):
    job = _dead_job(tenant, changed, heartbeat_age=timedelta(seconds=5))
    recompute_job_run(tenant=tenant, job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.done) == (Status.RUNNING, 1, 1)
    assert not _all_right(tenant)


def test_after_too_many_takeovers_the_job_fails_and_the_admin_sees_why(
    tenant, changed, tenant_admin, tenant_client
):
    job = _dead_job(tenant, changed, attempts=MAX_ATTEMPTS)
    recompute_job_run(tenant=tenant, job_id=job.pk)
    job.refresh_from_db()
    assert job.status == Status.FAILED and "stopped 3 times" in job.error
    login_as(tenant_client, tenant_admin)
    page = tenant_client.get(f"/settings/sla/jobs/{job.pk}/").content.decode()
    assert "stopped 3 times" in page and f"after {MAX_ATTEMPTS + 1} attempts" in page
    assert "Retry" in page


def test_the_page_says_when_a_running_job_lost_its_worker(
    tenant, changed, tenant_admin, tenant_client
):
    job = _dead_job(tenant, changed)
    login_as(tenant_client, tenant_admin)
    page = tenant_client.get(f"/settings/sla/jobs/{job.pk}/").content.decode()
    assert "stopped answering" in page and "Last heartbeat" in page


def test_the_sweeper_requeues_stale_running_jobs(tenant, changed):
    dead = _dead_job(tenant, changed)
    alive = _dead_job(tenant, changed, heartbeat_age=timedelta(seconds=5))
    assert recompute_pending_jobs_cross_tenant() == 1  # eager Celery in tests: it ran
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == Status.DONE and alive.status == Status.RUNNING
    assert _all_right(tenant)


def test_a_worker_that_lost_its_lease_stops_without_writing(tenant, changed):
    job = RecomputeJob.objects.create(tenant=tenant, calendar=changed, reason="hours")
    real = recompute._apply_chunk

    def taken_over(*args, **kwargs):
        real(*args, **kwargs)
        # Meanwhile another worker presumed this one dead and claimed the job again.
        RecomputeJob.objects.filter(pk=job.pk).update(attempts=2)

    with mock.patch.object(recompute, "_apply_chunk", taken_over):
        recompute_job_run(tenant=tenant, job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.done) == (Status.RUNNING, 0)  # left to the new owner
    assert not _all_right(tenant)  # its chunk rolled back


def test_a_clock_the_scan_moved_meanwhile_is_redone_under_its_lock(tenant, changed):
    """The scan writes clocks without their ticket's lock: the recompute's UPDATE is
    conditional on the scan's fields, and a clock it lost is recomputed from the fresh row."""
    job = RecomputeJob.objects.create(tenant=tenant, calendar=changed, reason="hours")
    victim = SlaClock.objects.filter(tenant=tenant).order_by("pk").first()
    real = recompute._update_clocks
    calls = []

    def scan_in_between(job_, changes, now):
        if not calls:  # the breach scan warns the clock between the read and the write
            SlaClock.objects.filter(pk=victim.pk).update(warned_percent=50)
        calls.append(len(changes))
        return real(job_, changes, now)

    with mock.patch.object(recompute, "_update_clocks", scan_in_between):
        recompute_job_run(tenant=tenant, job_id=job.pk)
    assert calls == [3, 1]  # the lost clock was written again, alone
    victim.refresh_from_db()
    assert victim.warned_percent == 50  # the scan's write is kept
    assert victim.next_alert_at == victim.due_at - timedelta(hours=1)  # 75 % of 4 h
    assert _all_right(tenant)
