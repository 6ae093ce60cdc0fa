"""sla's Celery tasks run inside an explicit tenant scope: the unscoped-query guard protects
them as it protects requests."""

from __future__ import annotations

from unittest import mock

import pytest

from sla import recompute
from sla.models import RecomputeJob, SlaClock
from sla.tasks import recompute_clocks
from tenants.scoping import UnscopedQueryError, current_tenant, tenant_scope


def test_tenant_scope_guards_unscoped_queries(tenant):
    with tenant_scope(tenant):
        assert current_tenant() == tenant
        assert list(SlaClock.objects.for_tenant(tenant)) == []
        with pytest.raises(UnscopedQueryError):
            list(SlaClock.objects.all())
    assert current_tenant() is None
    assert list(SlaClock.objects.all()) == []  # outside any scope: not policed
    with pytest.raises(UnscopedQueryError):
        tenant_scope(None).__enter__()


def test_the_recompute_task_runs_in_its_jobs_tenant_scope(tenant):
    job = RecomputeJob.objects.create(tenant=tenant, reason="x")
    seen = {}

    def probe(job, mine):
        seen["tenant"] = current_tenant()
        list(SlaClock.objects.all())  # a forgotten tenant filter

    with mock.patch.object(recompute, "_run", probe), pytest.raises(UnscopedQueryError):
        recompute_clocks.delay(job.pk)
    assert seen["tenant"] == tenant
    job.refresh_from_db()
    assert job.status == RecomputeJob.Status.FAILED and "Unscoped" in job.error
