"""Reads of SLA configuration and clocks. Every function takes the tenant, except the one
cross-tenant reader (the breach scan's), which says so in its name."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Prefetch, QuerySet

from .models import (
    Calendar,
    ClockSegment,
    ClockStatus,
    Plan,
    PolicySection,
    Priority,
    SlaClock,
    SupportPolicy,
    Target,
)

if TYPE_CHECKING:
    from tenants.models import Tenant


def policy_in_force(*, tenant: Tenant, plan: Plan, at: datetime) -> SupportPolicy | None:
    """The latest version of the plan's policy whose `effective_from` is not after `at`."""
    return (
        SupportPolicy.objects.for_tenant(tenant)
        .filter(plan=plan, effective_from__lte=at)
        .order_by("-effective_from")
        .first()
    )


def policy_scheduled(*, tenant: Tenant, plan: Plan, at: datetime) -> SupportPolicy | None:
    """The next version that will take effect after `at`, if one is scheduled."""
    return (
        SupportPolicy.objects.for_tenant(tenant)
        .filter(plan=plan, effective_from__gt=at)
        .order_by("effective_from")
        .first()
    )


def clocks_for_ticket(*, tenant: Tenant, ticket_id: int) -> list[SlaClock]:
    """A ticket's clocks with their ledgers, ordered by metric (first_response, next, res.)."""
    segments = ClockSegment.objects.for_tenant(tenant).order_by("started_at", "id")
    return list(
        SlaClock.objects.for_tenant(tenant)
        .filter(ticket_id=ticket_id)
        .select_related("target__calendar", "target__policy")
        .prefetch_related(Prefetch("segments", queryset=segments))
        .order_by("metric")
    )


def running_clocks_due_before_cross_tenant(*, before: datetime, limit: int) -> QuerySet:
    """Running clocks of every tenant due before `before`, soonest first.

    Served by the partial index `slaclock_running_due_idx` (status = running, due_at): an
    index range scan however many met clocks the table holds.
    """
    return (
        SlaClock.objects.cross_tenant()
        .filter(status=ClockStatus.RUNNING, due_at__lt=before)
        .order_by("due_at")[:limit]
    )


def plans_with_targets(*, tenant: Tenant, at: datetime) -> list[tuple[Plan, SupportPolicy | None]]:
    """Each plan with the policy version in force at `at`, its targets prefetched."""
    plans = list(Plan.objects.for_tenant(tenant).order_by("order", "key"))
    targets = Target.objects.for_tenant(tenant).select_related("priority", "calendar")
    policies = (
        SupportPolicy.objects.for_tenant(tenant)
        .filter(plan__in=plans, effective_from__lte=at)
        .order_by("plan_id", "-effective_from")
        .distinct("plan_id")
        .prefetch_related(Prefetch("targets", queryset=targets))
    )
    by_plan = {policy.plan_id: policy for policy in policies}
    return [(plan, by_plan.get(plan.pk)) for plan in plans]


def priorities(*, tenant: Tenant) -> list[Priority]:
    return list(Priority.objects.for_tenant(tenant).order_by("order", "key"))


def calendars(*, tenant: Tenant) -> list[Calendar]:
    return list(Calendar.objects.for_tenant(tenant).prefetch_related("closures").order_by("name"))


def policy_sections(*, tenant: Tenant) -> list[PolicySection]:
    return list(PolicySection.objects.for_tenant(tenant).order_by("order", "key"))
