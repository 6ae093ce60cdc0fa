"""Settings pages for tenant admins (Perm.SETTINGS_MANAGE): calendars, plans, priorities,
policy versions, targets, policy text, and recompute progress. Thin: forms validate, the
configuration services write."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from tenants.access import member_required
from tenants.roles import Perm

from . import configuration, forms
from . import exclusions as exclusion_services
from .durations import describe_target_duration
from .models import (
    Calendar,
    ClosureDate,
    Exclusion,
    MaintenanceWindow,
    Plan,
    PolicySection,
    Priority,
    RecomputeJob,
    SupportPolicy,
    Target,
)
from .policy_page import describe_window

manage = member_required(Perm.SETTINGS_MANAGE)


def _scoped(request: HttpRequest, model: Any, pk: int | None) -> Any:
    if pk is None:
        return model(tenant=request.tenant)
    return get_object_or_404(model.objects.for_tenant(request.tenant), pk=pk)


def _form_page(request: HttpRequest, form: Any, title: str, **extra: Any) -> HttpResponse:
    status = 400 if form.is_bound and form.errors else 200
    context = {"form": form, "title": title, "back": "sla:settings", **extra}
    return render(request, "sla/settings_form.html", context, status=status)


def _url(name: str, **kwargs: Any) -> str | None:
    """A link for an existing row (None on a "new" page, where there is nothing to delete)."""
    return reverse(name, kwargs=kwargs) if all(kwargs.values()) else None


def _refused(form: Any, exc: configuration.ConfigConflict | configuration.PolicyInForce) -> None:
    """A write the service refused becomes a form error (the page answers 400), never a 500."""
    field = getattr(exc, "field", None)
    form.add_error(field if field in form.fields else None, str(exc))


def _after_save(request: HttpRequest, job: RecomputeJob | None, fallback: str) -> HttpResponse:
    if job is not None:
        messages.info(request, "Saved. Running clocks are being recomputed.")
        return redirect("sla:job_progress", job_id=job.pk)
    messages.success(request, "Saved.")
    return redirect(fallback)


@manage
def index(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant
    context = {
        "calendars": Calendar.objects.for_tenant(tenant),
        "plans": Plan.objects.for_tenant(tenant).prefetch_related("policies"),
        "priorities": Priority.objects.for_tenant(tenant),
        "sections": PolicySection.objects.for_tenant(tenant),
        "windows": MaintenanceWindow.objects.for_tenant(tenant),
        "jobs": RecomputeJob.objects.for_tenant(tenant)[:10],
        "now": timezone.now(),
    }
    return render(request, "sla/settings_index.html", context)


@manage
def calendar_edit(request: HttpRequest, calendar_id: int | None = None) -> HttpResponse:
    calendar = _scoped(request, Calendar, calendar_id)
    form = forms.CalendarForm(request.POST or None, instance=calendar, tenant=request.tenant)
    if request.method == "POST" and form.is_valid():
        calendar = form.save(commit=False)
        calendar.weekly = form.weekly
        try:
            job = configuration.calendar_save(
                tenant=request.tenant, calendar=calendar,
                closures=form.cleaned_data["closure_list"],
            )  # fmt: skip
        except configuration.ConfigConflict as exc:
            _refused(form, exc)
        else:
            return _after_save(request, job, "sla:settings")
    return _form_page(
        request, form, f"Calendar {calendar.name}" if calendar_id else "New calendar",
        calendar=calendar if calendar_id else None,
        closures=calendar.closures.all() if calendar_id else [],
        delete_url=_url("sla:calendar_delete", calendar_id=calendar_id),
    )  # fmt: skip


@manage
def plan_edit(request: HttpRequest, plan_id: int | None = None) -> HttpResponse:
    plan = _scoped(request, Plan, plan_id)
    form = forms.PlanForm(request.POST or None, instance=plan, tenant=request.tenant)
    if request.method == "POST" and form.is_valid():
        try:
            configuration.plan_save(tenant=request.tenant, plan=form.save(commit=False))
        except configuration.ConfigConflict as exc:
            _refused(form, exc)
        else:
            return _after_save(request, None, "sla:settings")
    policies = plan.policies.all() if plan_id else []
    return _form_page(request, form, f"Plan {plan.name}" if plan_id else "New plan",
                      policies=policies, plan=plan if plan_id else None, now=timezone.now(),
                      delete_url=_url("sla:plan_delete", plan_id=plan_id))  # fmt: skip


@manage
def priority_edit(request: HttpRequest, priority_id: int | None = None) -> HttpResponse:
    priority = _scoped(request, Priority, priority_id)
    form = forms.PriorityForm(request.POST or None, instance=priority, tenant=request.tenant)
    if request.method == "POST" and form.is_valid():
        try:
            configuration.priority_save(tenant=request.tenant, priority=form.save(commit=False))
        except configuration.ConfigConflict as exc:
            _refused(form, exc)
        else:
            return _after_save(request, None, "sla:settings")
    return _form_page(request, form, "Priority" if priority_id else "New priority",
                      delete_url=_url("sla:priority_delete", priority_id=priority_id))  # fmt: skip


@manage
def policy_new(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Schedule a new version of the plan's policy (a copy of the latest, from a future date)."""
    plan = _scoped(request, Plan, plan_id)
    source = SupportPolicy.objects.for_tenant(request.tenant).filter(plan=plan).first()
    new = SupportPolicy(tenant=request.tenant, plan=plan)
    if source is not None:
        new.warning_thresholds = source.warning_thresholds
        new.max_pause, new.pause_on_hold = source.max_pause, source.pause_on_hold
    form = forms.PolicyForm(request.POST or None, instance=new, tenant=request.tenant)
    if request.method == "POST" and form.is_valid():
        try:
            new = configuration.policy_version_create(
                tenant=request.tenant, plan=plan, new=form.save(commit=False), source=source,
                override_reason=form.override_reason, by=request.membership,
            )
        except configuration.ConfigConflict as exc:
            _refused(form, exc)
        else:
            return redirect("sla:policy_edit", policy_id=new.pk)
    return _form_page(request, form, f"Schedule a new version of {plan.name}")


@manage
def policy_edit(request: HttpRequest, policy_id: int) -> HttpResponse:
    policy = _scoped(request, SupportPolicy, policy_id)
    form = forms.PolicyForm(request.POST or None, instance=policy, tenant=request.tenant)
    if request.method == "POST" and form.is_valid():
        try:
            configuration.policy_version_update(tenant=request.tenant,
                                                policy=form.save(commit=False))  # fmt: skip
        except (configuration.ConfigConflict, configuration.PolicyInForce) as exc:
            _refused(form, exc)
        else:
            return _after_save(request, None, "sla:settings")
    targets = list(
        Target.objects.for_tenant(request.tenant)
        .filter(policy=policy)
        .select_related("priority", "calendar")
    )
    for target in targets:
        target.duration_text = describe_target_duration(
            target.duration, always_open=target.calendar.always_open
        )
    delete_url = None
    if policy.effective_from > timezone.now():
        delete_url = _url("sla:policy_delete", policy_id=policy_id)
    return _form_page(request, form, str(policy), targets=targets, policy=policy,
                      delete_url=delete_url)  # fmt: skip


@manage
def target_edit(
    request: HttpRequest, policy_id: int | None = None, target_id: int | None = None
) -> HttpResponse:
    target = _scoped(request, Target, target_id)
    if target_id is None:
        target.policy = _scoped(request, SupportPolicy, policy_id)
    form = forms.TargetForm(
        request.POST or None, instance=target, tenant=request.tenant, policy=target.policy
    )
    if request.method == "POST" and form.is_valid():
        try:
            job = configuration.target_save(tenant=request.tenant, target=form.save(commit=False))
        except configuration.ConfigConflict as exc:
            _refused(form, exc)
        else:
            return _after_save(request, job, "sla:settings")
    return _form_page(request, form, f"Target in {target.policy}")


@manage
def section_edit(request: HttpRequest, section_id: int) -> HttpResponse:
    section = _scoped(request, PolicySection, section_id)
    form = forms.SectionForm(request.POST or None, instance=section)
    if request.method == "POST" and form.is_valid():
        try:
            configuration.section_save(tenant=request.tenant, section=form.save(commit=False))
        except configuration.ConfigConflict as exc:
            _refused(form, exc)
        else:
            return _after_save(request, None, "sla:settings")
    return _form_page(request, form, f"Policy text: {section.title}")


@manage
def job_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _scoped(request, RecomputeJob, job_id)
    template = "sla/_job.html" if request.headers.get("HX-Request") else "sla/job.html"
    return render(request, template, {"job": job})


@manage
@require_POST
def job_retry(request: HttpRequest, job_id: int) -> HttpResponse:
    """Re-queue a failed recompute (the job page offers it with the error)."""
    job = _scoped(request, RecomputeJob, job_id)
    if configuration.recompute_job_retry(tenant=request.tenant, job=job):
        messages.info(request, "Queued again.")
    else:
        messages.error(request, "Only a failed recompute can be retried.")
    return redirect("sla:job_progress", job_id=job.pk)


# --------------------------------------------------------------------------- maintenance


@manage
def maintenance_list(request: HttpRequest) -> HttpResponse:
    """The windows, and the tenant's promises (clocks pause in maintenance; policy notice)."""
    tenant = request.tenant
    stored = configuration.sla_settings_for(tenant=tenant)
    form = forms.TenantSlaSettingsForm(request.POST or None, instance=stored)
    if request.method == "POST" and form.is_valid():
        jobs = configuration.sla_settings_save(tenant=tenant, settings=form.save(commit=False))
        return _after_save(request, jobs[0] if jobs else None, "sla:maintenance_list")
    windows = list(MaintenanceWindow.objects.for_tenant(tenant))
    for window in windows:
        window.schedule_text = describe_window_full(window)
    return render(request, "sla/maintenance_list.html", {"windows": windows, "form": form},
                  status=400 if form.errors else 200)  # fmt: skip


def describe_window_full(window: MaintenanceWindow) -> str:
    return describe_window(window)  # one-off windows with their dates (sla.policy_page)


@manage
def maintenance_edit(request: HttpRequest, window_id: int | None = None) -> HttpResponse:
    window = _scoped(request, MaintenanceWindow, window_id)
    form = forms.MaintenanceWindowForm(request.POST or None, instance=window,
                                       tenant=request.tenant)  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            jobs = configuration.maintenance_window_save(tenant=request.tenant,
                                                         window=form.save(commit=False))
        except configuration.ConfigConflict as exc:
            _refused(form, exc)
        else:
            return _after_save(request, jobs[0] if jobs else None, "sla:maintenance_list")
    title = f"Maintenance window {window.name}" if window_id else "New maintenance window"
    return _form_page(request, form, title, back="sla:maintenance_list",
                      delete_url=_url("sla:maintenance_delete", window_id=window_id))  # fmt: skip


@manage
@require_http_methods(["GET", "POST"])
def maintenance_delete(request: HttpRequest, window_id: int) -> HttpResponse:
    """Delete a window; one clients were told about is cancelled instead (they are told)."""
    window = _scoped(request, MaintenanceWindow, window_id)
    if request.method == "POST":
        if request.POST.get("cancel"):
            configuration.maintenance_window_cancel(tenant=request.tenant, window=window)
            outcome = "cancelled"
        else:
            outcome = configuration.maintenance_window_delete(tenant=request.tenant,
                                                              window=window)  # fmt: skip
        if outcome == "cancelled":
            messages.success(request, f"Maintenance window '{window.name}' cancelled: clients "
                             "told about it are told it is cancelled.")  # fmt: skip
        else:
            messages.success(request, f"Maintenance window '{window.name}' deleted.")
        return redirect("sla:maintenance_list")
    return _confirm_page(request, f"maintenance window '{window.name}'", None,
                         "sla:maintenance_list")  # fmt: skip


# --------------------------------------------------------------------------- exclusions


@manage
def exclusion_list(request: HttpRequest) -> HttpResponse:
    rows = exclusion_services.exclusions(tenant=request.tenant, include_retired=True)
    return render(request, "sla/exclusion_list.html", {"exclusions": rows})


@manage
def exclusion_edit(request: HttpRequest, exclusion_id: int | None = None) -> HttpResponse:
    exclusion = _scoped(request, Exclusion, exclusion_id)
    form = forms.ExclusionForm(request.POST or None, instance=exclusion, tenant=request.tenant)
    if request.method == "POST" and form.is_valid():
        try:
            exclusion_services.exclusion_save(tenant=request.tenant,
                                              exclusion=form.save(commit=False))  # fmt: skip
        except configuration.ConfigConflict as exc:
            _refused(form, exc)
        else:
            return _after_save(request, None, "sla:exclusion_list")
    title = f"Exclusion: {exclusion.title}" if exclusion_id else "New exclusion"
    delete_url = _url("sla:exclusion_delete", exclusion_id=exclusion_id)
    return _form_page(request, form, title, back="sla:exclusion_list", delete_url=delete_url)


@manage
@require_http_methods(["GET", "POST"])
def exclusion_delete(request: HttpRequest, exclusion_id: int) -> HttpResponse:
    exclusion = _scoped(request, Exclusion, exclusion_id)
    what = f"exclusion '{exclusion.title}'"
    if request.method != "POST":
        return _confirm_page(request, what, None, "sla:exclusion_list")
    try:
        exclusion_services.exclusion_delete(tenant=request.tenant, exclusion=exclusion)
    except exclusion_services.ExclusionCited as refusal:
        return _confirm_page(request, what, str(refusal), "sla:exclusion_list", status=409)
    messages.success(request, f"Deleted {what}.")
    return redirect("sla:exclusion_list")


# --------------------------------------------------------------------------- deleting


def _confirm_page(
    request: HttpRequest, what: str, refusal: str | None, back: str, status: int = 200
) -> HttpResponse:
    back_url = back if back.startswith("/") else reverse(back)
    context = {"what": what, "refusal": refusal, "back_url": back_url}
    return render(request, "sla/confirm_delete.html", context, status=status)


def _delete(request: HttpRequest, obj: Any, what: str, back: str) -> HttpResponse:
    """GET: confirm, or say why it cannot go. POST: delete, or answer 409 with the reason
    (the row is referenced: a conflict with the current state, not a bad form)."""
    try:
        if request.method == "POST":
            configuration.config_delete(tenant=request.tenant, obj=obj)
            messages.success(request, f"Deleted {what}.")
            return redirect(back)
        configuration.USAGE_CHECKS[type(obj)](request.tenant, obj)
    except configuration.InUse as refusal:
        status = 409 if request.method == "POST" else 200
        return _confirm_page(request, what, str(refusal), back, status=status)
    return _confirm_page(request, what, None, back)


@manage
@require_http_methods(["GET", "POST"])
def calendar_delete(request: HttpRequest, calendar_id: int) -> HttpResponse:
    calendar = _scoped(request, Calendar, calendar_id)
    return _delete(request, calendar, f"calendar '{calendar.name}'", "sla:settings")


@manage
@require_http_methods(["GET", "POST"])
def plan_delete(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _scoped(request, Plan, plan_id)
    return _delete(request, plan, f"plan '{plan.name}' and its policy versions", "sla:settings")


@manage
@require_http_methods(["GET", "POST"])
def priority_delete(request: HttpRequest, priority_id: int) -> HttpResponse:
    priority = _scoped(request, Priority, priority_id)
    return _delete(request, priority, f"priority '{priority.label}' and its targets",
                   "sla:settings")  # fmt: skip


@manage
@require_http_methods(["GET", "POST"])
def policy_delete(request: HttpRequest, policy_id: int) -> HttpResponse:
    policy = _scoped(request, SupportPolicy, policy_id)
    return _delete(request, policy, f"scheduled version {policy} and its targets",
                   "sla:settings")  # fmt: skip


@manage
@require_http_methods(["GET", "POST"])
def closure_delete(request: HttpRequest, closure_id: int) -> HttpResponse:
    closure = get_object_or_404(
        ClosureDate.objects.for_tenant(request.tenant).select_related("calendar"), pk=closure_id
    )
    what = f"closure {closure.date.isoformat()} {closure.name}".strip()
    if request.method != "POST":
        back = reverse("sla:calendar_edit", kwargs={"calendar_id": closure.calendar_id})
        return _confirm_page(request, f"{what} of calendar '{closure.calendar.name}'", None, back)
    job = configuration.closure_delete(tenant=request.tenant, closure=closure)
    if job is not None:
        messages.info(request, "Deleted. Running clocks are being recomputed.")
        return redirect("sla:job_progress", job_id=job.pk)
    messages.success(request, f"Deleted {what}.")
    return redirect("sla:calendar_edit", calendar_id=closure.calendar_id)
