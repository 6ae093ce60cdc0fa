"""The agent workspace: the queue, the ticket work page, logging tickets, canned responses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from tenants.access import member_required
from tenants.roles import Perm

from .. import selectors, services
from ..forms import (
    AssignForm,
    BulkForm,
    CannedForm,
    OnBehalfForm,
    OutOfScopeForm,
    PriorityForm,
    StaffReplyForm,
    StatusForm,
    TicketChangeForm,
    TierForm,
)
from ..models import CannedResponse, Status
from ..pagination import InvalidCursor, Page
from ..presenters import reader_zone
from ..services import StaleTicket
from ..workflow import allowed_next
from .common import add_service_errors, render_400
from .filters import filters_from_params
from .submit import form_error_status, form_submit_once

QUEUE_SIZE = 50
FILTER_KEYS = ("status", "priority", "plan", "customer", "assignee", "tier", "category",
               "breached", "q", "view")  # fmt: skip


def _queue_choices(request: HttpRequest) -> dict[str, Any]:
    choices = selectors.queue_filter_choices(tenant=request.tenant)
    bulk_form = BulkForm(tenant=request.tenant)
    # The bulk assignee list from the rows in hand, not a query of its own.
    bulk_form.fields["assignee"].choices = [("", "---------")] + [
        (s["pk"], s["label"]) for s in choices["staff"]
    ]
    return {
        **choices,
        "statuses": Status.choices,
        "saved_views": selectors.SAVED_VIEWS,
        "bulk_form": bulk_form,
        # Row links without a reverse() per row (a reference is letters, digits and a hyphen).
        "work_base": reverse("tickets:work", args=["-"]).removesuffix("-/"),
    }


@member_required(Perm.TICKET_WORK)
def queue(request: HttpRequest) -> HttpResponse:
    """Open tickets by nearest running deadline; keyset pages, no COUNT."""
    filters, errors = filters_from_params(request.GET)
    try:
        # A refused filter shows its error over an empty list: the query is not run at all.
        page = Page([], None, selectors.QUEUE_ORDERING) if errors else selectors.queue_page(
            tenant=request.tenant,
            membership=request.membership,
            filters=filters,
            cursor=request.GET.get("cursor") or None,
            size=QUEUE_SIZE,
        )
    except InvalidCursor:
        return redirect("tickets:queue")
    params = request.GET.copy()
    params["cursor"] = page.next_cursor or ""
    context = {
        "page": page,
        "current": {k: request.GET.get(k, "") for k in FILTER_KEYS},
        "errors": errors,
        "next_query": params.urlencode(),
        **_queue_choices(request),
    }
    status = 400 if errors else 200
    return render(request, "staff/queue.html", context, status=status)


def _local_or_queue(request: HttpRequest, url: str) -> str:
    """`url` if it stays on this host, else the queue: a posted `next` must not send an agent
    to another site (an open redirect)."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("tickets:queue")


@member_required(Perm.TICKET_BULK)
@require_POST
def queue_bulk(request: HttpRequest) -> HttpResponse:
    form = BulkForm(request.POST, tenant=request.tenant)
    if not form.is_valid():
        for error in form.errors.values():
            messages.error(request, " ".join(error))
        return redirect(_local_or_queue(request, request.POST.get("next", "")))
    data = form.cleaned_data
    if data["action"] == "assign":
        result = services.ticket_bulk_assign(
            tenant=request.tenant, references=form.references, assignee=data["assignee"],
            actor=request.membership,
        )  # fmt: skip
    else:
        result = services.ticket_bulk_set_status(
            tenant=request.tenant, references=form.references, status=data["status"],
            actor=request.membership,
        )  # fmt: skip
    _bulk_messages(request, result)
    return redirect("tickets:queue")


SHOWN_PER_REASON = 20


def _bulk_messages(request: HttpRequest, result: services.BulkResult) -> None:
    """Exact counts, and each reason for refusal once with the tickets it refused."""
    summary = f"{result.total:,} selected: {len(result.changed):,} updated"
    if result.unchanged:
        summary += f", {len(result.unchanged):,} already so (nothing to change)"
    if result.refused:
        summary += f", {len(result.refused):,} refused"
    (messages.warning if result.refused else messages.success)(request, summary + ".")
    for why, references in result.refused_by_reason().items():
        shown = ", ".join(references[:SHOWN_PER_REASON])
        more = len(references) - SHOWN_PER_REASON
        tail = f" and {more:,} more" if more > 0 else ""
        messages.error(request, f"Refused ({len(references):,}): {why} {shown}{tail}")


@member_required(Perm.TICKET_LOG_ON_BEHALF)
def ticket_log(request: HttpRequest) -> HttpResponse:
    """An agent logs a phone or chat ticket on behalf of a client."""
    form = OnBehalfForm(request.POST or None, request.FILES or None, tenant=request.tenant)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            done = form_submit_once(request, form, lambda: services.ticket_create(
                tenant=request.tenant,
                requester=data["requester"],
                created_by=request.membership,
                channel=data["channel"],
                subject=data["subject"],
                description=data["description"],
                priority=data["priority"],
                category=data["category"],
                attachments=data["attachments"],
            ), lambda ticket: reverse("tickets:work", args=[ticket.reference]))  # fmt: skip
            if done is not None:
                if done.result is not None:
                    messages.success(request, f"Ticket {done.result.reference} logged.")
                return redirect(done.url)
        return render(
            request, "staff/ticket_log.html", {"form": form}, status=form_error_status(form)
        )
    return render(request, "staff/ticket_log.html", {"form": form})


def _work_context(request: HttpRequest, reference: str, **forms: Form) -> dict[str, Any]:
    tenant, membership = request.tenant, request.membership
    ticket = selectors.ticket_for_member_or_404(
        tenant=tenant, membership=membership, reference=reference
    )
    version = {"version": ticket.version}
    return {
        "ticket": ticket,
        "zone": reader_zone(request),
        "conversation": selectors.messages_visible(ticket=ticket, membership=membership),
        "attachments": list(selectors.attachments_visible(ticket=ticket, membership=membership)),
        "clocks": selectors.ticket_clocks(tenant=tenant, ticket=ticket),
        "events": selectors.ticket_events(ticket=ticket),
        "others": selectors.requester_other_tickets(tenant=tenant, ticket=ticket),
        "canned": selectors.canned_responses(tenant=tenant),
        "next_statuses": [(s, Status(s).label) for s in allowed_next(ticket.status)],
        "reply_form": forms.get("reply_form") or StaffReplyForm(),
        "assign_form": forms.get("assign_form")
        or AssignForm(tenant=tenant, initial={"assignee": ticket.assignee_id, **version}),
        "priority_form": forms.get("priority_form")
        or PriorityForm(tenant=tenant, initial={"priority": ticket.priority.key, **version}),
        "tier_form": forms.get("tier_form") or TierForm(initial={"tier": ticket.tier, **version}),
        "status_form": forms.get("status_form")
        or StatusForm(initial={"status": ticket.status, **version}),
        "out_of_scope_form": forms.get("out_of_scope_form")
        or OutOfScopeForm(tenant=tenant, initial=version),
    }


@member_required(Perm.TICKET_WORK)
def work(request: HttpRequest, reference: str) -> HttpResponse:
    return render(request, "staff/ticket_work.html", _work_context(request, reference))


@member_required(Perm.TICKET_WORK)
@require_POST
def work_reply(request: HttpRequest, reference: str) -> HttpResponse:
    form = StaffReplyForm(request.POST, request.FILES)
    context = _work_context(request, reference, reply_form=form)
    ticket = context["ticket"]
    if form.is_valid():
        internal = request.POST.get("kind") == "note" or form.cleaned_data["internal"]
        done = form_submit_once(request, form, lambda: services.ticket_reply(
            tenant=request.tenant,
            ticket=ticket,
            author=request.membership,
            body=form.cleaned_data["body"],
            internal=internal,
            attachments=form.cleaned_data["attachments"],
        ), lambda _: reverse("tickets:work", args=[ticket.reference]))  # fmt: skip
        if done is not None:
            if not done.replayed:
                messages.success(request, "Internal note added." if internal else "Reply sent.")
            return redirect(done.url)
    status = form_error_status(form)
    return render(request, "staff/ticket_work.html", context, status=status)


def _work_change(
    request: HttpRequest,
    reference: str,
    form_name: str,
    form: TicketChangeForm,
    apply: Callable[[Any, dict[str, Any]], None],
) -> HttpResponse:
    """Apply one change from the work page. `apply` passes the form's `version` to the
    service: a colleague's change since the page was loaded answers 409 with the page
    re-rendered, saying who changed what and when, the agent's choice kept."""
    context = _work_context(request, reference, **{form_name: form})
    ticket = context["ticket"]
    if form.is_valid():
        try:
            apply(ticket, form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        except StaleTicket as stale:
            return _work_conflict(request, reference, form_name, form, stale)
        else:
            messages.success(request, "Saved.")
            return redirect("tickets:work", reference=ticket.reference)
    return render_400(request, "staff/ticket_work.html", context)


def _work_conflict(
    request: HttpRequest, reference: str, form_name: str, form: TicketChangeForm,
    stale: StaleTicket,
) -> HttpResponse:  # fmt: skip
    form.with_version(stale.current)
    context = _work_context(request, reference, **{form_name: form})  # the ticket as it is now
    context["conflict"] = stale
    return render(request, "staff/ticket_work.html", context, status=409)


@member_required(Perm.TICKET_WORK)
@require_POST
def work_assign(request: HttpRequest, reference: str) -> HttpResponse:
    def apply(ticket: Any, data: dict[str, Any]) -> None:
        services.ticket_assign(
            tenant=request.tenant, ticket=ticket, assignee=data["assignee"],
            actor=request.membership, expected_version=data["version"],
        )  # fmt: skip

    form = AssignForm(request.POST, tenant=request.tenant)
    return _work_change(request, reference, "assign_form", form, apply)


@member_required(Perm.TICKET_WORK)
@require_POST
def work_status(request: HttpRequest, reference: str) -> HttpResponse:
    def apply(ticket: Any, data: dict[str, Any]) -> None:
        services.ticket_set_status(
            tenant=request.tenant, ticket=ticket, status=data["status"],
            actor=request.membership, expected_version=data["version"],
        )  # fmt: skip

    return _work_change(request, reference, "status_form", StatusForm(request.POST), apply)


@member_required(Perm.TICKET_WORK)
@require_POST
def work_priority(request: HttpRequest, reference: str) -> HttpResponse:
    def apply(ticket: Any, data: dict[str, Any]) -> None:
        services.ticket_set_priority(
            tenant=request.tenant, ticket=ticket, priority=data["priority"],
            actor=request.membership, expected_version=data["version"],
        )  # fmt: skip

    form = PriorityForm(request.POST, tenant=request.tenant)
    return _work_change(request, reference, "priority_form", form, apply)


@member_required(Perm.TICKET_WORK)
@require_POST
def work_tier(request: HttpRequest, reference: str) -> HttpResponse:
    def apply(ticket: Any, data: dict[str, Any]) -> None:
        services.ticket_set_tier(
            tenant=request.tenant, ticket=ticket, tier=data["tier"],
            actor=request.membership, expected_version=data["version"],
        )  # fmt: skip

    return _work_change(request, reference, "tier_form", TierForm(request.POST), apply)


@member_required(Perm.TICKET_WORK)
@require_POST
def work_out_of_scope(request: HttpRequest, reference: str) -> HttpResponse:
    def apply(ticket: Any, data: dict[str, Any]) -> None:
        services.ticket_close_out_of_scope(
            tenant=request.tenant, ticket=ticket, exclusion=data["exclusion"],
            note=data["note"], actor=request.membership, expected_version=data["version"],
        )  # fmt: skip

    form = OutOfScopeForm(request.POST, tenant=request.tenant)
    return _work_change(request, reference, "out_of_scope_form", form, apply)


@member_required(Perm.TICKET_WORK)
def canned_fill(request: HttpRequest, reference: str, canned_id: int) -> HttpResponse:
    """The canned response with its placeholders filled, as plain text (htmx puts it in the
    reply box)."""
    ticket = selectors.ticket_for_member_or_404(
        tenant=request.tenant, membership=request.membership, reference=reference
    )
    canned = selectors.canned_or_404(tenant=request.tenant, canned_id=canned_id)
    text = services.canned_render(
        tenant=request.tenant, canned=canned, ticket=ticket, agent=request.membership
    )
    return render(request, "staff/_reply_box.html", {"text": text})


@member_required(Perm.SETTINGS_MANAGE)
def canned_list(request: HttpRequest) -> HttpResponse:
    form = CannedForm(request.POST or None, instance=CannedResponse(tenant=request.tenant))
    if request.method == "POST":
        if form.is_valid() and _canned_saved(request, form):
            return redirect("tickets:canned_list")
        status = 400
    else:
        status = 200
    context = {"form": form, "canned": selectors.canned_responses(tenant=request.tenant)}
    return render(request, "staff/canned_list.html", context, status=status)


def _canned_saved(request: HttpRequest, form: CannedForm) -> bool:
    from ..services.canned import CannedTitleTaken, canned_save

    try:
        canned_save(tenant=request.tenant, canned=form.save(commit=False))
    except CannedTitleTaken as exc:
        form.add_error("title", str(exc))
        return False
    messages.success(request, "Canned response saved.")
    return True


@member_required(Perm.SETTINGS_MANAGE)
def canned_edit(request: HttpRequest, canned_id: int) -> HttpResponse:
    from ..services.canned import canned_delete

    canned = selectors.canned_or_404(tenant=request.tenant, canned_id=canned_id)
    form = CannedForm(request.POST or None, instance=canned)
    if request.method == "POST":
        if "delete" in request.POST:
            canned_delete(tenant=request.tenant, canned=canned)
            messages.success(request, "Canned response deleted.")
            return redirect("tickets:canned_list")
        if form.is_valid() and _canned_saved(request, form):
            return redirect("tickets:canned_list")
        return render_400(request, "staff/canned_edit.html", {"form": form, "canned": canned})
    return render(request, "staff/canned_edit.html", {"form": form, "canned": canned})
