"""`clocks_plan` reads the policy in force and its targets in one written-out statement: the
same policy, targets and calendars as `policy_in_force` and the scoped ORM query."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sla import services
from sla.models import Calendar, Metric, SupportPolicy, Target
from sla.selectors import policy_in_force
from tests.tickets.factories import sla_config

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def orm_plan(tenant, plan, priority, at):
    policy = policy_in_force(tenant=tenant, plan=plan, at=at)
    if policy is None:
        return None, []
    targets = (
        Target.objects.for_tenant(tenant)
        .filter(policy=policy, priority=priority, metric__in=services.START_METRICS)
        .select_related("calendar")
        .order_by("metric")
    )
    return policy, list(targets)


def same(found, expected):
    policy, targets = found
    want_policy, want_targets = expected
    assert (policy.pk if policy else None) == (want_policy.pk if want_policy else None)
    assert [(t.pk, t.metric, t.duration, t.calendar_id, t.policy_id) for t in targets] == [
        (t.pk, t.metric, t.duration, t.calendar_id, t.policy_id) for t in want_targets
    ]
    for target, want in zip(targets, want_targets, strict=True):
        assert target.policy is policy  # no query per target for its policy
        for field in Calendar._meta.concrete_fields:
            assert getattr(target.calendar, field.attname) == getattr(want.calendar, field.attname)
    if policy is not None:
        for field in SupportPolicy._meta.concrete_fields:
            assert getattr(policy, field.attname) == getattr(want_policy, field.attname)


def test_the_policy_in_force_and_its_targets_as_the_orm_reads_them(
    tenant, other_tenant, customer, django_assert_num_queries
):
    plan = customer.plan
    priorities = sla_config(tenant, plan)
    sla_config(other_tenant, None)
    v1 = SupportPolicy.objects.get(tenant=tenant, plan=plan)
    v1.warning_thresholds, v1.max_pause = [50, 75], timedelta(days=3)
    v1.save()
    office = Calendar.objects.create(
        tenant=tenant, name="Office", time_zone="Europe/Paris",
        weekly={"0": ["09:00-17:00"]}, holiday_country="FR", revision=4,
    )  # fmt: skip
    v2 = SupportPolicy.objects.create(tenant=tenant, plan=plan, version=2, effective_from=AT)
    Target.objects.create(
        tenant=tenant,
        policy=v2,
        priority=priorities["high"],
        metric=Metric.RESOLUTION,
        duration=timedelta(hours=9),
        calendar=office,
    )
    Target.objects.create(tenant=tenant, policy=v2, priority=priorities["high"],
                          metric=Metric.NEXT_RESPONSE, duration=timedelta(hours=1),
                          calendar=office)  # (not a starting metric)  # fmt: skip
    cases = [
        (priorities["high"], AT - timedelta(microseconds=1)),  # v1, two targets
        (priorities["high"], AT),  # v2 from its first instant: resolution only
        (priorities["low"], AT + timedelta(days=1)),  # v2 has no target for it
        (priorities["low"], datetime(1999, 1, 1, tzinfo=UTC)),  # no policy yet
    ]
    for priority, at in cases:
        with django_assert_num_queries(1):
            found = services._policy_and_start_targets(
                tenant=tenant, plan=plan, priority=priority, at=at
            )
        same(found, orm_plan(tenant, plan, priority, at))
    assert services._policy_and_start_targets(
        tenant=tenant, plan=plan, priority=priorities["high"], at=AT
    )[1][0].calendar.weekly == {"0": ["09:00-17:00"]}  # JSON loaded, not text
    # Another tenant's id for the plan reads nothing of this tenant's.
    assert services._policy_and_start_targets(
        tenant=other_tenant, plan=plan, priority=priorities["high"], at=AT
    ) == (None, [])
