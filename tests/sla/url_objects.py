"""One object per URL kwarg of the sla routes (and per sla admin), for tests/test_isolation.py."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sla.models import (
    ClockSegment,
    ClockStatus,
    ClosureDate,
    Exclusion,
    MaintenanceWindow,
    Metric,
    PolicySection,
    RecomputeJob,
    SegmentKind,
    SlaClock,
)
from tests.factories import PlanFactory
from tests.sla.factories import (
    CalendarFactory,
    PriorityFactory,
    SupportPolicyFactory,
    TargetFactory,
    make_ticket,
)


def _section(tenant) -> int:
    section, _ = PolicySection.objects.get_or_create(
        tenant=tenant, key="introduction", defaults={"title": "Introduction"}
    )
    return section.pk


def _clock(tenant) -> SlaClock:
    target = TargetFactory(tenant=tenant, metric=Metric.FIRST_RESPONSE)
    ticket = make_ticket(tenant=tenant, priority=target.priority)
    at = datetime(2026, 3, 2, 14, tzinfo=UTC)
    return SlaClock.objects.create(
        tenant=tenant, ticket=ticket, metric=target.metric, target=target,
        status=ClockStatus.RUNNING, started_at=at, due_at=at + timedelta(hours=4),
        target_duration=target.duration, consumed_as_of=at,
    )  # fmt: skip


def _segment(tenant) -> int:
    clock = _clock(tenant)
    return ClockSegment.objects.create(
        tenant=tenant, clock=clock, kind=SegmentKind.RUNNING, started_at=clock.started_at
    ).pk


URL_OBJECTS = {
    "calendar_id": lambda tenant: CalendarFactory(tenant=tenant).pk,
    "plan_id": lambda tenant: PlanFactory(tenant=tenant).pk,
    "priority_id": lambda tenant: PriorityFactory(tenant=tenant).pk,
    "policy_id": lambda tenant: SupportPolicyFactory(tenant=tenant).pk,
    "target_id": lambda tenant: TargetFactory(tenant=tenant, metric=Metric.RESOLUTION).pk,
    "section_id": _section,
    "job_id": lambda tenant: RecomputeJob.objects.create(tenant=tenant, reason="test").pk,
    "closure_id": lambda tenant: ClosureDate.objects.create(
        tenant=tenant, calendar=CalendarFactory(tenant=tenant), date=date(2026, 12, 31)
    ).pk,
    "window_id": lambda tenant: MaintenanceWindow.objects.create(
        tenant=tenant, name="Nightly", weekdays=[0], starts=time(1), ends=time(2), time_zone="UTC"
    ).pk,
    "exclusion_id": lambda tenant: Exclusion.objects.create(
        tenant=tenant, title=f"Hardware {Exclusion.objects.count()}", text="Hardware issues."
    ).pk,
    "admin:sla.calendar": lambda tenant: CalendarFactory(tenant=tenant).pk,
    "admin:sla.closuredate": lambda tenant: ClosureDate.objects.create(
        tenant=tenant, calendar=CalendarFactory(tenant=tenant), date=date(2026, 12, 24)
    ).pk,
    "admin:sla.priority": lambda tenant: PriorityFactory(tenant=tenant).pk,
    "admin:sla.supportpolicy": lambda tenant: SupportPolicyFactory(tenant=tenant).pk,
    "admin:sla.target": lambda tenant: TargetFactory(tenant=tenant).pk,
    "admin:sla.policysection": _section,
    "admin:sla.maintenancewindow": lambda tenant: MaintenanceWindow.objects.create(
        tenant=tenant, name="Weekend", starts=time(22), ends=time(4), time_zone="UTC"
    ).pk,
    "admin:sla.slaclock": lambda tenant: _clock(tenant).pk,
    "admin:sla.clocksegment": _segment,
    "admin:sla.recomputejob": lambda tenant: RecomputeJob.objects.create(
        tenant=tenant, reason="test"
    ).pk,
}
