"""Writes to SLA configuration from the settings pages: each change that can move a running
clock's deadline bumps what must be bumped and queues a recompute — never a silent rewrite."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F

from .models import (
    Calendar,
    ClockStatus,
    ClosureDate,
    RecomputeJob,
    SlaClock,
    SupportPolicy,
    Target,
)

if TYPE_CHECKING:
    from tenants.models import Tenant

OPEN = (ClockStatus.RUNNING, ClockStatus.PAUSED)


def recompute_queue(
    *,
    tenant: Tenant,
    reason: str,
    calendar: Calendar | None = None,
    policy: SupportPolicy | None = None,
) -> RecomputeJob | None:
    """Record a RecomputeJob and queue its task after commit; None when no clock is affected."""
    clocks = SlaClock.objects.for_tenant(tenant).filter(status__in=OPEN)
    if calendar is not None:
        clocks = clocks.filter(target__calendar=calendar)
    if policy is not None:
        clocks = clocks.filter(target__policy=policy)
    if not clocks.exists():
        return None
    job = RecomputeJob.objects.create(
        tenant=tenant, reason=reason[:300], calendar=calendar, policy=policy
    )
    from .tasks import recompute_clocks  # the task module imports the engine, not the reverse

    transaction.on_commit(lambda: recompute_clocks.delay(job.pk))
    return job


@transaction.atomic
def calendar_save(
    *, tenant: Tenant, calendar: Calendar, closures: list[tuple[date, str]] | None = None
) -> RecomputeJob | None:
    """Save a calendar (and its closure dates), bump its revision, queue a recompute."""
    calendar.tenant = tenant
    is_new = calendar.pk is None
    if not is_new:
        # The revision is part of the business-calendar cache key: bump it in SQL so two
        # concurrent saves both count.
        calendar.revision = F("revision") + 1
    calendar.save()
    calendar.refresh_from_db(fields=["revision"])
    if closures is not None:
        ClosureDate.objects.for_tenant(tenant).filter(calendar=calendar).delete()
        ClosureDate.objects.bulk_create(
            ClosureDate(tenant=tenant, calendar=calendar, date=day, name=name)
            for day, name in sorted(dict(closures).items())
        )
    if is_new:
        return None
    return recompute_queue(
        tenant=tenant,
        calendar=calendar,
        reason=f"Recomputed: calendar '{calendar.name}' changed (rev {calendar.revision})",
    )


@transaction.atomic
def target_save(*, tenant: Tenant, target: Target) -> RecomputeJob | None:
    target.tenant = tenant
    is_new = target.pk is None
    target.save()
    if is_new:
        return None
    return recompute_queue(
        tenant=tenant,
        policy=target.policy,
        reason=f"Recomputed: target {target.priority} {target.get_metric_display()} changed "
        f"in {target.policy}",
    )


@transaction.atomic
def policy_version_create(
    *, tenant: Tenant, source: SupportPolicy, new: SupportPolicy
) -> SupportPolicy:
    """Schedule a new version of `source`'s plan, starting with a copy of its targets.

    Tickets keep the version in force when they were created; only tickets created after
    `new.effective_from` use the new one.
    """
    latest = SupportPolicy.objects.for_tenant(tenant).filter(plan=source.plan)
    new.tenant = tenant
    new.plan = source.plan
    new.version = max(latest.values_list("version", flat=True), default=0) + 1
    new.save()
    Target.objects.bulk_create(
        Target(tenant=tenant, policy=new, priority_id=t.priority_id, metric=t.metric,
               duration=t.duration, calendar_id=t.calendar_id)
        for t in Target.objects.for_tenant(tenant).filter(policy=source)
    )  # fmt: skip
    return new
