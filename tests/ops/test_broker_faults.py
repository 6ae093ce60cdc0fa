"""Broker unreachable: a change the user saved answers normally; the job row waits, pending,
for its sweeper (before ops.queueing, the commit hook's publish error answered 500 although
the change was saved, inviting a second submit)."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

import pytest

from helpdesk.celery import app
from sla.models import ClosureDate, RecomputeJob
from tests.conftest import login_as
from tests.sla.factories import CalendarFactory, TargetFactory, make_ticket, start_clocks

from .conftest import free_port

pytestmark = [pytest.mark.fault, pytest.mark.django_db(transaction=True)]

MON_9 = datetime(2026, 3, 2, 14, tzinfo=UTC)


def point_celery_at(broker_url: str):
    """Celery publishing for real (not eagerly) to `broker_url`."""
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    app.conf.broker_url = broker_url
    app.conf.task_always_eager = False
    # Celery caches its connection and producer pools on first use: drop them (and again
    # after) so the dead URL is the one used, and later tests get the real one back.
    app._pool = None
    app.amqp._producer_pool = None
    yield
    app.conf.update(saved)
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def dead_broker():
    """A port nothing listens on."""
    yield from point_celery_at(f"redis://127.0.0.1:{free_port()}/0")


@pytest.fixture
def frozen_broker(redis_server):
    """A Redis that accepts connections and never answers (SIGSTOP)."""
    redis_server.freeze()
    yield from point_celery_at(redis_server.url)


@pytest.mark.parametrize("broker", ["dead_broker", "frozen_broker"])
def test_saving_a_calendar_change_with_the_broker_down_answers_302_and_leaves_the_job_pending(
    client, tenant, tenant_admin, broker, request
):
    request.getfixturevalue(broker)
    calendar = CalendarFactory(tenant=tenant)
    target = TargetFactory(tenant=tenant, calendar=calendar, duration=timedelta(hours=9))
    closure = ClosureDate.objects.create(tenant=tenant, calendar=calendar, date=date(2026, 3, 3))
    ticket = make_ticket(tenant=tenant, priority=target.priority, plan=target.policy.plan)
    start_clocks(tenant=tenant, ticket=ticket, plan=target.policy.plan, priority=target.priority,
                 at=MON_9)  # fmt: skip
    login_as(client, tenant_admin)

    started = time.monotonic()
    response = client.post(f"/settings/sla/closures/{closure.pk}/delete/")
    seconds = time.monotonic() - started

    assert response.status_code == 302
    assert not ClosureDate.objects.filter(pk=closure.pk).exists()  # the change is saved
    job = RecomputeJob.objects.get(tenant=tenant)
    assert job.status == RecomputeJob.Status.PENDING  # for the sweeper
    print(f"{broker}: the save answered in {seconds:.1f} s")
    assert seconds < 10, f"{seconds:.1f} s"  # a hang guard (publish retries are bounded)
