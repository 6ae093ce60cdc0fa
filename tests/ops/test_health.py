"""/healthz: each part as JSON, 503 naming what is down; heartbeats of beat and the worker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from ops.beat import HeartbeatScheduler
from ops.heartbeats import heartbeat_record
from ops.models import Heartbeat
from ops.tasks import worker_heartbeat

T0 = datetime(2026, 3, 2, 12, tzinfo=UTC)


def healthz():
    response = Client().get("/healthz")
    return response.status_code, response.json()


@pytest.mark.django_db
def test_it_reports_every_part_and_answers_200_when_all_are_up(settings):
    settings.HEALTHZ_BACKGROUND = True
    with time_machine.travel(T0, tick=False):
        heartbeat_record(Heartbeat.Kind.BEAT)
        heartbeat_record(Heartbeat.Kind.WORKER)
    with time_machine.travel(T0 + timedelta(seconds=60), tick=False):
        status, body = healthz()
    assert status == 200, body
    assert body["status"] == "ok" and body["failing"] == []
    assert set(body["checks"]) == {"postgresql", "redis", "broker", "worker", "beat"}
    assert body["checks"]["worker"]["age_seconds"] == 60


@pytest.mark.django_db
def test_a_dead_beat_is_a_503_naming_beat(settings):
    """Beat stopped (e.g. the worker's embedded beat died with its child) while the worker
    still ran the last heartbeat it was sent: only beat is named."""
    settings.HEALTHZ_BACKGROUND = True
    with time_machine.travel(T0, tick=False):
        heartbeat_record(Heartbeat.Kind.BEAT)
    with time_machine.travel(T0 + timedelta(seconds=50), tick=False):
        heartbeat_record(Heartbeat.Kind.WORKER)
    with time_machine.travel(T0 + timedelta(seconds=100), tick=False):
        status, body = healthz()
    assert status == 503
    assert body["failing"] == ["beat"], body
    assert "stale" in body["checks"]["beat"]["error"]


@pytest.mark.django_db
def test_no_worker_heartbeat_yet_is_a_503_naming_worker(settings):
    settings.HEALTHZ_BACKGROUND = True
    heartbeat_record(Heartbeat.Kind.BEAT)
    status, body = healthz()
    assert status == 503 and body["failing"] == ["worker"], body
    assert body["checks"]["worker"]["error"] == "no heartbeat yet"


@pytest.mark.django_db
def test_the_scheduler_writes_the_beat_heartbeat_and_the_task_the_worker_one(tmp_path):
    from helpdesk.celery import app

    scheduler = HeartbeatScheduler(app=app, schedule_filename=str(tmp_path / "schedule"))
    try:
        assert scheduler.tick() <= 30  # wakes up in time for its next heartbeat
    finally:
        scheduler.close()
    worker_heartbeat.apply()
    kinds = set(Heartbeat.objects.values_list("kind", flat=True))
    assert kinds == {Heartbeat.Kind.BEAT, Heartbeat.Kind.WORKER}
    assert "ops-worker-heartbeat" in app.conf.beat_schedule


@pytest.mark.fault
@pytest.mark.django_db
def test_healthz_answers_503_naming_redis_when_redis_is_killed(settings, redis_cache):
    settings.HEALTHZ_BACKGROUND = False  # only what this test breaks
    status, body = healthz()
    assert status == 200 and body["checks"]["redis"]["ok"], body
    redis_cache.kill()
    status, body = healthz()
    assert status == 503
    assert body["failing"] == ["redis"]
    assert body["checks"]["redis"]["error"] == "ConnectionError"
    assert "127.0.0.1" not in str(body)  # public endpoint: no internal addresses


@pytest.mark.fault
@pytest.mark.django_db
def test_healthz_answers_503_naming_redis_when_redis_is_frozen(settings, redis_cache):
    settings.HEALTHZ_BACKGROUND = False
    redis_cache.freeze()
    status, body = healthz()
    assert status == 503 and body["failing"] == ["redis"]
    assert body["checks"]["redis"]["ms"] < 5000  # the 1 s timeout, not a hang


@pytest.mark.django_db
def test_the_container_check_command_fails_on_a_stale_heartbeat():
    from django.core.management import CommandError, call_command

    with time_machine.travel(T0, tick=False):
        heartbeat_record(Heartbeat.Kind.BEAT)
        call_command("heartbeat_check", "beat")
    with time_machine.travel(T0 + timedelta(seconds=91), tick=False), pytest.raises(
        CommandError, match="stale"
    ):
        call_command("heartbeat_check", "beat")
    with pytest.raises(CommandError, match="no heartbeat yet"):
        call_command("heartbeat_check", "worker")
