"""Settings pages for tenant admins (Perm.SETTINGS_MANAGE): calendars, plans, priorities,
policy versions, targets, policy text, and recompute progress. Thin: forms validate, the
configuration services write."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from tenants.access import member_required
from tenants.roles import Perm

from . import configuration, forms
from .models import (
    Calendar,
    Plan,
    PolicySection,
    Priority,
    RecomputeJob,
    SupportPolicy,
    Target,
)

manage = member_required(Perm.SETTINGS_MANAGE)


def _scoped(request: HttpRequest, model: Any, pk: int | None) -> Any:
    if pk is None:
        return model(tenant=request.tenant)
    return get_object_or_404(model.objects.for_tenant(request.tenant), pk=pk)


def _form_page(request: HttpRequest, form: Any, title: str, **extra: Any) -> HttpResponse:
    status = 400 if form.is_bound and form.errors else 200
    context = {"form": form, "title": title, **extra}
    return render(request, "sla/settings_form.html", context, status=status)


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
        job = configuration.calendar_save(
            tenant=request.tenant, calendar=calendar, closures=form.cleaned_data["closure_list"]
        )
        return _after_save(request, job, "sla:settings")
    return _form_page(request, form, f"Calendar {calendar.name}" if calendar_id else "New calendar")


@manage
def plan_edit(request: HttpRequest, plan_id: int | None = None) -> HttpResponse:
    plan = _scoped(request, Plan, plan_id)
    form = forms.PlanForm(request.POST or None, instance=plan, tenant=request.tenant)
    if request.method == "POST" and form.is_valid():
        form.save()
        return _after_save(request, None, "sla:settings")
    policies = plan.policies.all() if plan_id else []
    return _form_page(request, form, f"Plan {plan.name}" if plan_id else "New plan",
                      policies=policies, plan=plan if plan_id else None)  # fmt: skip


@manage
def priority_edit(request: HttpRequest, priority_id: int | None = None) -> HttpResponse:
    priority = _scoped(request, Priority, priority_id)
    form = forms.PriorityForm(request.POST or None, instance=priority, tenant=request.tenant)
    if request.method == "POST" and form.is_valid():
        form.save()
        return _after_save(request, None, "sla:settings")
    return _form_page(request, form, "Priority" if priority_id else "New priority")


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
        new = form.save(commit=False)
        if source is None:
            new.version = 1
            new.save()
        else:
            configuration.policy_version_create(tenant=request.tenant, source=source, new=new)
        return redirect("sla:policy_edit", policy_id=new.pk)
    return _form_page(request, form, f"Schedule a new version of {plan.name}")


@manage
def policy_edit(request: HttpRequest, policy_id: int) -> HttpResponse:
    policy = _scoped(request, SupportPolicy, policy_id)
    form = forms.PolicyForm(request.POST or None, instance=policy, tenant=request.tenant)
    if request.method == "POST" and form.is_valid():
        form.save()
        return _after_save(request, None, "sla:settings")
    targets = Target.objects.for_tenant(request.tenant).filter(policy=policy).select_related(
        "priority", "calendar"
    )
    return _form_page(request, form, str(policy), targets=targets, policy=policy)


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
        target = form.save(commit=False)
        job = configuration.target_save(tenant=request.tenant, target=target)
        return _after_save(request, job, "sla:settings")
    return _form_page(request, form, f"Target in {target.policy}")


@manage
def section_edit(request: HttpRequest, section_id: int) -> HttpResponse:
    section = _scoped(request, PolicySection, section_id)
    form = forms.SectionForm(request.POST or None, instance=section)
    if request.method == "POST" and form.is_valid():
        form.save()
        return _after_save(request, None, "sla:settings")
    return _form_page(request, form, f"Policy text: {section.title}")


@manage
def job_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _scoped(request, RecomputeJob, job_id)
    template = "sla/_job.html" if request.headers.get("HX-Request") else "sla/job.html"
    return render(request, template, {"job": job})
