"""Escalation pages: the manager dashboard, actions, client requests, agent escalations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from sla.models import Priority
from tenants.access import member_required
from tenants.models import Customer
from tenants.roles import Perm
from tickets import selectors as ticket_selectors
from tickets.presenters import reader_zone

from . import selectors, services
from .forms import DeescalateForm, OutcomeForm, ReasonForm, ReassignForm, staff_members
from .models import Source, Status

DASHBOARD_SIZE = 200


def _add_errors(form: Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, found in error.message_dict.items():
            form.add_error(field if field in form.fields else None, found)
    else:
        form.add_error(None, error.messages)


@member_required(Perm.ESCALATION_HANDLE)
def dashboard(request: HttpRequest) -> HttpResponse:
    tenant, membership = request.tenant, request.membership
    filters, errors = selectors.filters_from_params(request.GET, me=membership)
    rows = list(
        selectors.escalation_list(tenant=tenant, membership=membership, filters=filters).order_by(
            "-level_number", "created_at"
        )[: DASHBOARD_SIZE + 1]
    )
    context = {
        "rows": rows[:DASHBOARD_SIZE],
        # One row more than shown says the list is cut (no COUNT of every match needed).
        "cut_at": DASHBOARD_SIZE if len(rows) > DASHBOARD_SIZE else None,
        "now": timezone.now(),
        "errors": errors,
        "current": {
            k: request.GET.get(k, "")
            for k in ("level", "source", "customer", "priority", "owner", "status")
        },  # fmt: skip
        "sources": Source.choices,
        "statuses": Status.choices,
        "customers": Customer.objects.for_tenant(tenant).only("pk", "name"),
        "priorities": Priority.objects.for_tenant(tenant),
        "owners": staff_members(tenant),
        "counts": selectors.escalation_counts(tenant=tenant, membership=membership),
        "zone": reader_zone(request),
    }
    return render(request, "escalation/dashboard.html", context, status=400 if errors else 200)


@member_required(Perm.ESCALATION_HANDLE)
def counts(request: HttpRequest) -> HttpResponse:
    """The live counters (htmx polls this fragment)."""
    found = selectors.escalation_counts(tenant=request.tenant, membership=request.membership)
    return render(request, "escalation/_counts.html", {"counts": found})


def _detail_context(request: HttpRequest, escalation_id: int, **forms: Form) -> dict[str, Any]:
    escalation = selectors.escalation_for_member_or_404(
        tenant=request.tenant, membership=request.membership, escalation_id=escalation_id
    )
    return {
        "e": escalation,
        "zone": reader_zone(request),
        "outcome_form": forms.get("outcome_form") or OutcomeForm(),
        "reassign_form": forms.get("reassign_form") or ReassignForm(tenant=request.tenant),
        "deescalate_form": forms.get("deescalate_form") or DeescalateForm(),
        "action_errors": forms.get("action_errors", []),
    }


@member_required(Perm.ESCALATION_HANDLE)
def detail(request: HttpRequest, escalation_id: int) -> HttpResponse:
    return render(request, "escalation/detail.html", _detail_context(request, escalation_id))


def _act(
    request: HttpRequest,
    escalation_id: int,
    *,
    form_name: str,
    form: Form | None,
    call: Callable[..., object],
    done: str,
) -> HttpResponse:
    context = _detail_context(request, escalation_id)
    if form is None or form.is_valid():
        try:
            call(escalation=context["e"], data=form.cleaned_data if form else {})
        except ValidationError as error:
            if form is None:
                context["action_errors"] = error.messages
            else:
                _add_errors(form, error)
        else:
            messages.success(request, done)
            return redirect("escalation:detail", escalation_id=escalation_id)
    if form is not None:
        context[form_name] = form
    return render(request, "escalation/detail.html", context, status=400)


def _service(service: Callable[..., object], request: HttpRequest, **fixed: Any):
    def call(*, escalation: object, data: dict[str, Any]) -> object:
        return service(
            tenant=request.tenant, escalation=escalation, actor=request.membership,
            **fixed, **data,
        )  # fmt: skip

    return call


@member_required(Perm.ESCALATION_HANDLE)
@require_POST
def acknowledge(request: HttpRequest, escalation_id: int) -> HttpResponse:
    return _act(request, escalation_id, form_name="", form=None,
                call=_service(services.escalation_acknowledge, request),
                done="Escalation acknowledged.")  # fmt: skip


@member_required(Perm.ESCALATION_HANDLE)
@require_POST
def resolve(request: HttpRequest, escalation_id: int) -> HttpResponse:
    return _act(request, escalation_id, form_name="outcome_form",
                form=OutcomeForm(request.POST), call=_service(services.escalation_resolve, request),
                done="Escalation resolved.")  # fmt: skip


@member_required(Perm.ESCALATION_HANDLE)
@require_POST
def reassign(request: HttpRequest, escalation_id: int) -> HttpResponse:
    return _act(request, escalation_id, form_name="reassign_form",
                form=ReassignForm(request.POST, tenant=request.tenant),
                call=_service(services.escalation_reassign, request),
                done="Escalation reassigned.")  # fmt: skip


@member_required(Perm.ESCALATION_HANDLE)
@require_POST
def deescalate(request: HttpRequest, escalation_id: int) -> HttpResponse:
    return _act(request, escalation_id, form_name="deescalate_form",
                form=DeescalateForm(request.POST),
                call=_service(services.escalation_deescalate, request),
                done="Escalation moved back one level.")  # fmt: skip


def _escalate(request: HttpRequest, reference: str, *, source: str, back: str) -> HttpResponse:
    ticket = ticket_selectors.ticket_for_member_or_404(
        tenant=request.tenant, membership=request.membership, reference=reference
    )
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.escalation_open(
                tenant=request.tenant, ticket=ticket, source=source,
                requested_by=request.membership, reason=form.cleaned_data["reason"],
            )  # fmt: skip
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(back, reference=ticket.reference)
        messages.success(request, "Escalation requested." if source == Source.CLIENT_REQUEST
                         else "Ticket escalated.")  # fmt: skip
        return redirect(back, reference=ticket.reference)
    # The form lives on the ticket's page (tickets' view): back there, with the reason why.
    messages.error(request, "Say why this ticket needs escalating (at most 2000 characters).")
    return redirect(back, reference=ticket.reference)


@member_required(Perm.ESCALATION_REQUEST)
@require_POST
def portal_escalate(request: HttpRequest, reference: str) -> HttpResponse:
    return _escalate(request, reference, source=Source.CLIENT_REQUEST,
                     back="tickets:portal_detail")  # fmt: skip


@member_required(Perm.ESCALATION_RAISE)
@require_POST
def work_escalate(request: HttpRequest, reference: str) -> HttpResponse:
    return _escalate(request, reference, source=Source.AGENT, back="tickets:work")
