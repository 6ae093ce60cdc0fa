"""Reads of SLA configuration and clocks. Every function takes the tenant, except the one
cross-tenant reader (the breach scan's), which says so in its name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import Prefetch

from tenants.bulk import fetch_binary

from .clock_rows import POSITIONAL_FIELDS, rules_of
from .clock_state import ClockRules, ClockState, ScanOutcome, scan_step
from .models import (
    Calendar,
    ClockSegment,
    Metric,
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


@dataclass(frozen=True)
class ClaimedClock:
    """The columns of a claimed clock the scan needs besides its state (no model instance:
    the scan handles thousands per batch)."""

    pk: int
    tenant_id: int
    ticket_id: int
    target_id: int
    metric: str
    status: str
    next_alert_at: datetime | None
    cycle: int

    def get_metric_display(self) -> str:
        return Metric(self.metric).label


@dataclass(frozen=True)
class DueClock:
    """A clock claimed by the breach scan, with what is due on it at `now`.

    `state` is the clock as claimed; `outcome` the pure `scan_step` result (the clock's next
    state, the warning thresholds newly crossed, whether its deadline passed, whether a pause
    cap ended); the scan writes `outcome.state` back."""

    clock: ClaimedClock
    state: ClockState
    rules: ClockRules
    outcome: ScanOutcome

    @property
    def warned(self) -> tuple[int, ...]:
        return self.outcome.warned

    @property
    def deadline_passed(self) -> bool:
        return self.outcome.breached


_CLAIM_COLUMNS = ("id", "tenant_id", "ticket_id", "target_id", "metric", *(
    SlaClock._meta.get_field(name).column for name in POSITIONAL_FIELDS))  # fmt: skip
_CLAIM_SQL = f"""
    SELECT {", ".join(_CLAIM_COLUMNS)} FROM {SlaClock._meta.db_table}
     WHERE next_alert_at IS NOT NULL AND next_alert_at <= %s
     ORDER BY next_alert_at LIMIT %s
       FOR UPDATE SKIP LOCKED
"""  # noqa: S608 - our own table; every value is a parameter


def clocks_due_count_cross_tenant(*, now: datetime, limit: int) -> int:
    """How many clocks are due at `now`, counting no further than `limit` (one probe of the
    partial index): enough to tell whether a scan pass is worth spreading over workers."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {SlaClock._meta.db_table} "  # noqa: S608
            "WHERE next_alert_at IS NOT NULL AND next_alert_at <= %s LIMIT %s) AS due",
            [now, limit],
        )
        return cursor.fetchone()[0]


def clocks_claim_due_cross_tenant(
    *, now: datetime, limit: int, rules: dict[int, ClockRules] | None = None
) -> list[DueClock]:
    """Claim up to `limit` clocks of every tenant whose `next_alert_at` has come, soonest first.

    1. Must run inside the caller's (short) transaction: the claimed rows stay locked until it
       ends, and the caller writes each `outcome.state` back in it.
    2. `SELECT … FOR UPDATE SKIP LOCKED` over the partial index `slaclock_next_alert_idx`:
       two scans running at once claim disjoint rows instead of waiting on (or double
       processing) each other; the cost follows the rows that are due, not the table.
       Bare columns, no joins under the lock, rows loaded in binary; the targets' rules are
       read once per target (`rules`: a cache the caller keeps over its batches).
    3. Lock order: this locks clocks without their tickets. SKIP LOCKED never waits on a clock a
       ticket event holds, so no deadlock; the caller must not WAIT for ticket rows while it
       holds these (the scan locks its tickets with SKIP LOCKED).
    """
    if not connection.in_atomic_block:
        raise RuntimeError("clocks_claim_due_cross_tenant needs the caller's transaction")
    rows = fetch_binary(_CLAIM_SQL, [now, limit])
    rules = {} if rules is None else rules
    missing = {row[3] for row in rows} - rules.keys()
    if missing:
        rules.update(
            (target.pk, rules_of(target))
            for target in Target.objects.cross_tenant()
            .filter(pk__in=missing)
            .select_related("calendar", "policy")
        )
    claimed = []
    for pk, tenant_id, ticket_id, target_id, metric, *values in rows:
        state = ClockState(metric, *values)
        clock = ClaimedClock(pk, tenant_id, ticket_id, target_id, metric, state.status,
                             state.next_alert_at, state.cycle)  # fmt: skip
        clock_rules = rules[target_id]
        claimed.append(DueClock(clock, state, clock_rules, scan_step(state, clock_rules, now)))
    return claimed


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
