"""Writes to SLA configuration from the settings pages: each change that can move a running
clock's deadline bumps what must be bumped and queues a recompute — never a silent rewrite."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import F, Model, ProtectedError, RestrictedError
from django.utils import timezone

from ops.queueing import enqueue_on_commit
from tenants.models import Customer, Membership

from .calendar_cache import build_business_calendar
from .calendars import MAX_TARGET_SPAN, BusinessCalendar
from .models import (
    Calendar,
    ClockStatus,
    ClosureDate,
    MaintenanceWindow,
    Plan,
    PolicyNoticeOverride,
    PolicySection,
    Priority,
    RecomputeJob,
    SlaClock,
    SupportPolicy,
    Target,
    TenantSlaSettings,
)

if TYPE_CHECKING:
    from tenants.models import Tenant

OPEN = (ClockStatus.RUNNING, ClockStatus.PAUSED)


# --------------------------------------------------------------------------- conflicts


class ConfigConflict(ValueError):
    """A write the database refused because it clashes with another row (a unique constraint:
    usually a concurrent save the form's own check could not see). `field` names the form
    field to attach the message to (None: the whole form). Never a 500."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


UNIQUE_MESSAGES: dict[str, tuple[str | None, str]] = {
    "calendar_name_uniq": ("name", "Another calendar already uses this name."),
    "closure_date_uniq": ("closures", "A closure date is listed twice."),
    "plan_key_uniq": ("key", "Another plan already uses this key."),
    "priority_key_uniq": ("key", "Another priority already uses this key."),
    "policy_section_key_uniq": (None, "This section of the policy exists already."),
    "policy_version_uniq": (None, "Another version of this plan was scheduled at the same "
                            "moment: reload the page and try again."),
    "policy_effective_uniq": ("effective_from", "Another version of this plan takes effect "
                              "at that instant: pick another."),
    "target_one_per_metric": ("metric", "This priority already has a target for this metric "
                              "in this version."),
}  # fmt: skip


def _conflict(exc: IntegrityError) -> ConfigConflict:
    diag = getattr(exc.__cause__, "diag", None)
    name = getattr(diag, "constraint_name", None) or ""
    field, message = UNIQUE_MESSAGES.get(
        name, (None, "This change clashes with another one made at the same time: reload the "
               "page and try again.")
    )  # fmt: skip
    return ConfigConflict(field, message)


def _save(obj: Model, **kwargs: Any) -> None:
    """Save in a savepoint; a constraint violation becomes a ConfigConflict."""
    try:
        with transaction.atomic():
            obj.save(**kwargs)
    except IntegrityError as exc:
        raise _conflict(exc) from None


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

    enqueue_on_commit(recompute_clocks, job.pk)  # broker down: the job waits for its sweeper
    return job


# --------------------------------------------------------------------------- bounded targets


def target_limit(business: BusinessCalendar, *, at: datetime) -> timedelta:
    """The longest target a calendar allows: the business time it holds in MAX_TARGET_SPAN
    (about five years) from `at`. Half the calendar's search horizon, so that a deadline
    started any time in the next years stays computable (and quick)."""
    return business.business_time_between(at, at + MAX_TARGET_SPAN)


def target_too_long(
    *, calendar_name: str, business: BusinessCalendar, duration: timedelta, at: datetime
) -> str | None:
    """Why `duration` is too long on the calendar, or None when it fits."""
    limit = target_limit(business, at=at)
    if duration <= limit:
        return None
    years = MAX_TARGET_SPAN.days // 365
    return (
        f"On calendar '{calendar_name}' a target of {_hours(duration)} would end more than "
        f"{years} years after it starts: the longest it allows is {_hours(limit)}."
    )


def _hours(duration: timedelta) -> str:
    hours = duration.total_seconds() / 3600
    return f"{hours:,.0f} hours" if hours >= 10 else f"{hours:,.2g} hours"


def _refuse_impossible_target(target: Target) -> None:
    calendar = target.calendar
    reason = target_too_long(calendar_name=calendar.name, duration=target.duration,
                             business=build_business_calendar(calendar),
                             at=timezone.now())  # fmt: skip
    if reason:
        raise ConfigConflict("duration_hours", reason)


def _refuse_impossible_targets(*, tenant: Tenant, calendar: Calendar) -> None:
    """A calendar change may not leave a target that cannot be computed on it. Built without
    the (pk, revision) cache: this transaction may still roll back."""
    longest = (
        Target.objects.for_tenant(tenant).filter(calendar=calendar)
        .order_by("-duration").select_related("priority", "policy").first()
    )  # fmt: skip
    if longest is None:
        return
    reason = target_too_long(calendar_name=calendar.name, duration=longest.duration,
                             business=build_business_calendar(calendar),
                             at=timezone.now())  # fmt: skip
    if reason:
        raise ConfigConflict(None, f"{reason} Target {longest} in {longest.policy} uses it: "
                             "shorten it or move it to another calendar first.")  # fmt: skip


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
    _save(calendar)
    calendar.refresh_from_db(fields=["revision"])
    if closures is not None:
        ClosureDate.objects.for_tenant(tenant).filter(calendar=calendar).delete()
        ClosureDate.objects.bulk_create(
            ClosureDate(tenant=tenant, calendar=calendar, date=day, name=name)
            for day, name in sorted(dict(closures).items())
        )
    _refuse_impossible_targets(tenant=tenant, calendar=calendar)
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
    _refuse_impossible_target(target)
    _save(target)
    if is_new:
        return None
    return recompute_queue(
        tenant=tenant,
        policy=target.policy,
        reason=f"Recomputed: target {target.priority} {target.get_metric_display()} changed "
        f"in {target.policy}",
    )


# The furthest ahead a version may be scheduled: anything later is a typo (year 9999), and
# clients could not be told meaningfully about it.
MAX_POLICY_AHEAD = timedelta(days=5 * 365)


class PolicyNoticeTooShort(ConfigConflict):
    """A version starting sooner than the notice the tenant promises clients."""


def policy_start_problem(
    *, tenant: Tenant, plan: Plan, effective_from: datetime, now: datetime,
    emergency: bool = False, exclude_pk: int | None = None,
) -> ConfigConflict | None:  # fmt: skip
    """Why a version of `plan` may not take effect at `effective_from` (None: it may).

    In the past, or more than MAX_POLICY_AHEAD ahead: refused. Sooner than the tenant's
    `policy_change_notice_days` when the plan already has a version (clients run under it):
    refused unless `emergency` (an override with a reason, recorded)."""
    if effective_from <= now:
        return ConfigConflict("effective_from", "A new version can only take effect in the "
                              "future.")  # fmt: skip
    if effective_from - now > MAX_POLICY_AHEAD:
        years = MAX_POLICY_AHEAD.days // 365
        return ConfigConflict("effective_from", f"That date is more than {years} years ahead: "
                              "pick a date clients can be told about meaningfully.")  # fmt: skip
    days = sla_settings_for(tenant=tenant).policy_change_notice_days
    has_earlier = (
        SupportPolicy.objects.for_tenant(tenant).filter(plan=plan).exclude(pk=exclude_pk).exists()
    )
    if days and has_earlier and not emergency and effective_from - now < timedelta(days=days):
        earliest = now + timedelta(days=days)
        zone = ZoneInfo(tenant.time_zone)
        return PolicyNoticeTooShort(
            "effective_from",
            f"Your policy promises clients {days} days' notice of a change: the earliest this "
            f"version can take effect is {earliest.astimezone(zone):%Y-%m-%d %H:%M} "
            f"({tenant.time_zone}). To take effect sooner, tick the emergency override and "
            "give the reason (it is shown on the policy page and in the announcement).",
        )
    return None


@transaction.atomic
def policy_version_create(
    *, tenant: Tenant, plan: Plan, new: SupportPolicy, source: SupportPolicy | None = None,
    override_reason: str = "", by: Membership | None = None, now: datetime | None = None,
) -> SupportPolicy:  # fmt: skip
    """Schedule a new version of `plan`'s policy, starting with a copy of `source`'s targets
    (none for a plan's first version), and announce it to the plan's client admins and
    support contacts (once per version and person).

    Tickets keep the version in force when they were created; only tickets created after
    `new.effective_from` use the new one. Refused (ConfigConflict on `effective_from`) in the
    past, absurdly far ahead, or with less notice than the tenant promises unless
    `override_reason` is given (recorded with `by`).
    """
    now = now or timezone.now()
    override_reason = override_reason.strip()
    problem = policy_start_problem(tenant=tenant, plan=plan, effective_from=new.effective_from,
                                   now=now, emergency=bool(override_reason))  # fmt: skip
    if problem is not None:
        raise problem
    latest = SupportPolicy.objects.for_tenant(tenant).filter(plan=plan)
    had_versions = latest.exists()
    new.tenant = tenant
    new.plan = plan
    new.version = max(latest.values_list("version", flat=True), default=0) + 1
    _save(new)
    days = sla_settings_for(tenant=tenant).policy_change_notice_days
    if override_reason and days and new.effective_from - now < timedelta(days=days):
        PolicyNoticeOverride.objects.create(tenant=tenant, policy=new, by=by,
                                            reason=override_reason[:300],
                                            notice_days_promised=days, created_at=now)  # fmt: skip
    if source is not None:
        Target.objects.bulk_create(
            Target(tenant=tenant, policy=new, priority_id=t.priority_id, metric=t.metric,
                   duration=t.duration, calendar_id=t.calendar_id)
            for t in Target.objects.for_tenant(tenant).filter(policy=source)
        )  # fmt: skip
    if had_versions:
        # A plan's first version changes nothing clients had: there is nothing to announce.
        from .notices import policy_change_announce

        policy_change_announce(tenant=tenant, policy=new, at=now)
    return new


class PolicyInForce(ValueError):
    """The rules of a version in force are fixed: tickets already run under them."""


# What a version promises; once in force, changing it would rewrite running tickets' terms.
POLICY_RULE_FIELDS = ("effective_from", "warning_thresholds", "max_pause", "pause_on_hold")


@transaction.atomic
def policy_version_update(*, tenant: Tenant, policy: SupportPolicy) -> SupportPolicy:
    """Save an edited version. A version in force keeps its rules (thresholds, pause rules,
    start): only its summary may change; a new version is scheduled for anything else.
    Raises PolicyInForce with the reason, ConfigConflict for a clashing start."""
    stored = SupportPolicy.objects.for_tenant(tenant).select_for_update().get(pk=policy.pk)
    if stored.effective_from <= timezone.now():
        changed = [f for f in POLICY_RULE_FIELDS if getattr(stored, f) != getattr(policy, f)]
        if changed:
            raise PolicyInForce(
                f"{stored} has been in force since {stored.effective_from:%Y-%m-%d %H:%M} UTC: "
                f"its {', '.join(f.replace('_', ' ') for f in changed)} cannot change. "
                "Schedule a new version instead."
            )
    elif stored.effective_from != policy.effective_from:
        problem = policy_start_problem(
            tenant=tenant, plan=stored.plan, effective_from=policy.effective_from,
            now=timezone.now(), emergency=hasattr(policy, "notice_override"),
            exclude_pk=stored.pk,
        )  # fmt: skip
        if problem is not None:
            raise problem
    policy.tenant = tenant
    _save(policy)
    return policy


def plan_save(*, tenant: Tenant, plan: Plan) -> Plan:
    plan.tenant = tenant
    _save(plan)
    return plan


def priority_save(*, tenant: Tenant, priority: Priority) -> Priority:
    priority.tenant = tenant
    _save(priority)
    return priority


def section_save(*, tenant: Tenant, section: PolicySection) -> PolicySection:
    """Policy text: published on the policy page only; no clock depends on it."""
    section.tenant = tenant
    _save(section)
    return section


# --------------------------------------------------------------------------- deleting


class InUse(Exception):
    """The row is referenced (by tickets, customers, targets or clocks): it cannot go."""


def _tickets_using(tenant: Tenant, **ids: int) -> int:
    from .ports import ticket_rows  # tickets count their own rows: sla never queries them

    return ticket_rows().count_using(tenant=tenant, **ids)


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _refuse(what: str, reasons: list[str], hint: str) -> None:
    if reasons:
        raise InUse(f"{what} cannot be deleted: {' and '.join(reasons)}. {hint}")


def calendar_usage(*, tenant: Tenant, calendar: Calendar) -> None:
    """Raise InUse when targets count business time on the calendar."""
    targets = Target.objects.for_tenant(tenant).filter(calendar=calendar).count()
    reasons = [f"{_count(targets, 'target uses', 'targets use')} it"] if targets else []
    _refuse(f"Calendar '{calendar.name}'", reasons,
            "Move those targets to another calendar first.")  # fmt: skip


def plan_usage(*, tenant: Tenant, plan: Plan) -> None:
    """Raise InUse when customers are on the plan or tickets run under one of its versions."""
    customers = Customer.objects.for_tenant(tenant).filter(plan=plan).count()
    tickets = _tickets_using(tenant, plan_id=plan.pk)
    clocks = SlaClock.objects.for_tenant(tenant).filter(target__policy__plan=plan).exists()
    reasons = []
    if customers:
        reasons.append(f"{_count(customers, 'customer is', 'customers are')} on it")
    if tickets or clocks:
        reasons.append(f"{_count(tickets, 'ticket runs', 'tickets run')} under its policy")
    _refuse(f"Plan '{plan.name}'", reasons,
            "Move the customers to another plan; a plan with tickets stays for their "
            "history.")  # fmt: skip


def priority_usage(*, tenant: Tenant, priority: Priority) -> None:
    """Raise InUse when tickets have (or had clocks under) the priority."""
    tickets = _tickets_using(tenant, priority_id=priority.pk)
    clocks = SlaClock.objects.for_tenant(tenant).filter(target__priority=priority).count()
    reasons = []
    if tickets:
        reasons.append(f"{_count(tickets, 'ticket has', 'tickets have')} this priority")
    if clocks:
        reasons.append(f"{_count(clocks, 'SLA clock was', 'SLA clocks were')} set by its targets")
    _refuse(f"Priority '{priority.label}'", reasons,
            "A priority tickets have used stays for their history.")  # fmt: skip


def policy_usage(*, tenant: Tenant, policy: SupportPolicy, now: datetime) -> None:
    """Raise InUse unless the version is still scheduled (future) and no ticket uses it."""
    reasons = []
    if policy.effective_from <= now:
        reasons.append("it has already taken effect")
    tickets = _tickets_using(tenant, policy_id=policy.pk)
    if tickets or SlaClock.objects.for_tenant(tenant).filter(target__policy=policy).exists():
        reasons.append(f"{_count(tickets, 'ticket runs', 'tickets run')} under it")
    _refuse(f"{policy}", reasons, "Only a scheduled version no ticket uses can be withdrawn; "
            "schedule a newer version instead.")  # fmt: skip


USAGE_CHECKS = {
    Calendar: lambda tenant, obj: calendar_usage(tenant=tenant, calendar=obj),
    Plan: lambda tenant, obj: plan_usage(tenant=tenant, plan=obj),
    Priority: lambda tenant, obj: priority_usage(tenant=tenant, priority=obj),
    SupportPolicy: lambda tenant, obj: policy_usage(tenant=tenant, policy=obj, now=timezone.now()),
}


def config_delete(*, tenant: Tenant, obj: Model) -> None:
    """Delete a calendar, plan, priority or scheduled policy version if nothing uses it.

    Checked first for a clear message; the delete itself runs in a transaction that turns a
    PROTECT hit (a ticket created between the check and the delete) into the same InUse.
    What belongs to the row goes with it: a calendar's closure dates, a plan's versions and
    their targets, a priority's targets, a version's targets.
    """
    USAGE_CHECKS[type(obj)](tenant, obj)
    try:
        with transaction.atomic():
            obj.delete()
    except (ProtectedError, RestrictedError) as exc:
        raise InUse(f"{obj} cannot be deleted: it is still in use ({len(exc.protected_objects)} "
                    "referencing rows).") from None  # fmt: skip


@transaction.atomic
def closure_delete(*, tenant: Tenant, closure: ClosureDate) -> RecomputeJob | None:
    """Remove a closure date: the calendar changes, so its revision moves and running clocks
    on it are recomputed (a day open again can bring a deadline forward)."""
    calendar = Calendar.objects.for_tenant(tenant).select_for_update().get(pk=closure.calendar_id)
    ClosureDate.objects.for_tenant(tenant).filter(pk=closure.pk).delete()
    Calendar.objects.for_tenant(tenant).filter(pk=calendar.pk).update(revision=F("revision") + 1)
    calendar.refresh_from_db(fields=["revision"])
    return recompute_queue(
        tenant=tenant,
        calendar=calendar,
        reason=f"Recomputed: closure {closure.date.isoformat()} removed from calendar "
        f"'{calendar.name}' (rev {calendar.revision})",
    )


# --------------------------------------------------------------------------- maintenance


SCHEDULE_FIELDS = ("weekdays", "starts", "ends", "time_zone", "one_off_start", "one_off_end",
                   "active_from", "cancelled_at")  # fmt: skip


def sla_settings_for(*, tenant: Tenant) -> TenantSlaSettings:
    """The tenant's SLA promises (an unsaved row with the defaults when none is stored)."""
    found = TenantSlaSettings.objects.for_tenant(tenant).first()
    return found or TenantSlaSettings(tenant=tenant)


def _maintenance_recompute(*, tenant: Tenant, reason: str) -> list[RecomputeJob]:
    """Maintenance is closed time on every calendar of the tenant (when its clocks pause in
    maintenance): bump each calendar's revision (the cache key) and queue its recompute."""
    calendars = list(Calendar.objects.for_tenant(tenant).select_for_update().order_by("pk"))
    jobs = []
    for calendar in calendars:
        Calendar.objects.for_tenant(tenant).filter(pk=calendar.pk).update(
            revision=F("revision") + 1
        )
        calendar.refresh_from_db(fields=["revision"])
        job = recompute_queue(tenant=tenant, calendar=calendar,
                              reason=f"{reason} (calendar '{calendar.name}' rev "
                              f"{calendar.revision})")  # fmt: skip
        if job is not None:
            jobs.append(job)
    return jobs


@transaction.atomic
def maintenance_window_save(
    *, tenant: Tenant, window: MaintenanceWindow
) -> list[RecomputeJob]:
    """Save a window. When the tenant pauses clocks in maintenance and the schedule changed,
    running clocks are recomputed (the ledger note names the window). Clients are told by the
    notice scan (sla.notices): announced, and told again when an announced occurrence moves or
    the window is cancelled."""
    from .notices import maintenance_cache_clear

    window.tenant = tenant
    maintenance_cache_clear(tenant=tenant)
    before = None
    if window.pk is not None:
        before = MaintenanceWindow.objects.for_tenant(tenant).filter(pk=window.pk).first()
    _save(window)
    changed = before is None or any(
        getattr(before, f) != getattr(window, f) for f in SCHEDULE_FIELDS
    )
    if not changed or not sla_settings_for(tenant=tenant).pause_clocks_in_maintenance:
        return []
    what = "cancelled" if window.cancelled_at else ("scheduled" if before is None else "changed")
    return _maintenance_recompute(
        tenant=tenant, reason=f"Recomputed: maintenance window '{window.name}' {what}"
    )


@transaction.atomic
def maintenance_window_cancel(
    *, tenant: Tenant, window: MaintenanceWindow, at: datetime | None = None
) -> list[RecomputeJob]:
    """Cancel a window: kept (its announced clients are told it is cancelled), no longer
    closed time for the clocks."""
    window = MaintenanceWindow.objects.for_tenant(tenant).select_for_update().get(pk=window.pk)
    if window.cancelled_at is not None:
        return []
    window.cancelled_at = at or timezone.now()
    return maintenance_window_save(tenant=tenant, window=window)


@transaction.atomic
def maintenance_window_delete(*, tenant: Tenant, window: MaintenanceWindow) -> str:
    """Delete a window nobody was told about; one with announced occurrences still ahead is
    cancelled instead (so its clients are told). Returns "deleted" or "cancelled"."""
    from .models import MaintenanceNotice, NoticeKind

    announced = MaintenanceNotice.objects.for_tenant(tenant).filter(
        window=window, kind=NoticeKind.ANNOUNCED, occurrence_end__gt=timezone.now()
    )
    if announced.exists():
        maintenance_window_cancel(tenant=tenant, window=window)
        return "cancelled"
    from .notices import maintenance_cache_clear

    pauses = sla_settings_for(tenant=tenant).pause_clocks_in_maintenance
    MaintenanceWindow.objects.for_tenant(tenant).filter(pk=window.pk).delete()
    maintenance_cache_clear(tenant=tenant)
    if pauses and window.cancelled_at is None:
        _maintenance_recompute(
            tenant=tenant, reason=f"Recomputed: maintenance window '{window.name}' deleted"
        )
    return "deleted"


@transaction.atomic
def sla_settings_save(*, tenant: Tenant, settings: TenantSlaSettings) -> list[RecomputeJob]:
    """Save the tenant's SLA promises; switching clock pausing in maintenance on or off moves
    deadlines, so every calendar is recomputed."""
    stored = sla_settings_for(tenant=tenant)
    settings.tenant = tenant
    if stored.pk is not None:
        settings.pk = stored.pk
    _save(settings)
    if stored.pause_clocks_in_maintenance == settings.pause_clocks_in_maintenance:
        return []
    state = "on" if settings.pause_clocks_in_maintenance else "off"
    return _maintenance_recompute(
        tenant=tenant, reason=f"Recomputed: clocks pause in maintenance windows turned {state}"
    )


# --------------------------------------------------------------------------- recompute retry


def recompute_job_retry(*, tenant: Tenant, job: RecomputeJob) -> bool:
    """Put a failed job back to pending and queue it after commit; False if it was not failed.

    A conditional UPDATE (failed → pending): two admins pressing retry queue it once. Running
    it again from the start is safe: the recompute is deterministic, and clocks an earlier
    attempt already moved are left alone (their due_at is already right).
    """
    with transaction.atomic():
        reset = (
            RecomputeJob.objects.for_tenant(tenant)
            .filter(pk=job.pk, status=RecomputeJob.Status.FAILED)
            .update(status=RecomputeJob.Status.PENDING, error="", done=0, total=0,
                    started_at=None, finished_at=None)
        )  # fmt: skip
        if not reset:
            return False
        from .tasks import recompute_clocks

        enqueue_on_commit(recompute_clocks, job.pk)
    return True
