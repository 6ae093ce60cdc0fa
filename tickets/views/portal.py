"""The client portal: submit, follow, reply, close and reopen own tickets (escalation
requests are served by escalation/views.py, on the same ticket page)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from sla.models import Channel
from tenants.access import member_required
from tenants.roles import Perm

from .. import selectors, services
from ..forms import ReplyForm, TicketForm
from ..models import Status
from ..pagination import InvalidCursor, Page
from ..presenters import promises, reader_zone
from .filters import filters_from_params
from .submit import form_error_status, form_submit_once

PAGE_SIZE = 25
STATUS_TABS = [("open", "Open"), ("resolved,closed", "Resolved and closed"), ("", "All")]


@member_required(Perm.PORTAL_USE)
def portal_list(request: HttpRequest) -> HttpResponse:
    params = request.GET.copy()
    params.setdefault("status", "open")
    filters, errors = filters_from_params(params)
    organisation = request.membership.can(Perm.TICKET_VIEW_ORGANISATION)
    try:
        # A refused filter shows its error over an empty list: the query is not run at all.
        page = Page([], None, selectors.LIST_ORDERING) if errors else selectors.ticket_list(
            tenant=request.tenant,
            membership=request.membership,
            filters=filters,
            cursor=request.GET.get("cursor") or None,
            size=PAGE_SIZE,
            # The list shows no category or assignee; the requester for an organisation only.
            relations=("requester",) if organisation else (),
        )
    except InvalidCursor:
        return redirect("tickets:portal_list")
    next_params = params.copy()
    next_params["cursor"] = page.next_cursor or ""
    context = {
        "page": page,
        "tab": params["status"],
        "tabs": STATUS_TABS,
        "q": filters.q,
        "errors": errors,
        "next_query": next_params.urlencode(),
        "zone": reader_zone(request),
        "organisation": organisation,
        # Row links without a reverse() per row (a reference is letters, digits and a hyphen).
        "detail_base": reverse("tickets:portal_detail", args=["-"]).removesuffix("-/"),
    }
    return render(request, "portal/ticket_list.html", context, status=400 if errors else 200)


@member_required(Perm.TICKET_CREATE)
def portal_new(request: HttpRequest) -> HttpResponse:
    form = TicketForm(request.POST or None, request.FILES or None, tenant=request.tenant)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            done = form_submit_once(request, form, lambda: services.ticket_create(
                tenant=request.tenant,
                requester=request.membership,
                subject=data["subject"],
                description=data["description"],
                priority=data["priority"],
                category=data["category"],
                channel=Channel.PORTAL,
                attachments=data["attachments"],
            ), lambda t: reverse("tickets:portal_detail", args=[t.reference]))  # fmt: skip
            if done is not None:
                if done.result is not None:
                    messages.success(request, f"Ticket {done.result.reference} submitted.")
                return redirect(done.url)
        return render(
            request, "portal/ticket_new.html", {"form": form}, status=form_error_status(form)
        )
    return render(request, "portal/ticket_new.html", {"form": form})


def _detail(request: HttpRequest, reference: str, reply_form: ReplyForm | None = None) -> dict:
    tenant, membership = request.tenant, request.membership
    ticket = selectors.ticket_for_member_or_404(
        tenant=tenant, membership=membership, reference=reference
    )
    zone = reader_zone(request)
    clocks = selectors.ticket_clocks(tenant=tenant, ticket=ticket)
    return {
        "ticket": ticket,
        "conversation": selectors.messages_visible(ticket=ticket, membership=membership),
        "attachments": list(selectors.attachments_visible(ticket=ticket, membership=membership)),
        "promises": promises(clocks, zone),
        "zone": zone,
        "reply_form": reply_form or ReplyForm(),
        "can_close": ticket.status != Status.CLOSED,
        "can_reopen": ticket.status == Status.RESOLVED,
    }


@member_required(Perm.PORTAL_USE)
def portal_detail(request: HttpRequest, reference: str) -> HttpResponse:
    return render(request, "portal/ticket_detail.html", _detail(request, reference))


@member_required(Perm.PORTAL_USE)
@require_POST
def portal_reply(request: HttpRequest, reference: str) -> HttpResponse:
    context = _detail(request, reference, ReplyForm(request.POST, request.FILES))
    form, ticket = context["reply_form"], context["ticket"]
    if form.is_valid():
        done = form_submit_once(request, form, lambda: services.ticket_reply(
            tenant=request.tenant,
            ticket=ticket,
            author=request.membership,
            body=form.cleaned_data["body"],
            attachments=form.cleaned_data["attachments"],
            channel=Channel.PORTAL,
        ), lambda _: reverse("tickets:portal_detail", args=[ticket.reference]))  # fmt: skip
        if done is not None:
            if not done.replayed:
                messages.success(request, "Reply sent.")
            return redirect(done.url)
    status = form_error_status(form)
    return render(request, "portal/ticket_detail.html", context, status=status)


def _status_change(request: HttpRequest, reference: str, action: str) -> HttpResponse:
    ticket = selectors.ticket_for_member_or_404(
        tenant=request.tenant, membership=request.membership, reference=reference
    )
    service = {"close": services.ticket_close, "reopen": services.ticket_reopen}[action]
    try:
        service(tenant=request.tenant, ticket=ticket, actor=request.membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("tickets:portal_detail", reference=ticket.reference)
    messages.success(request, f"Ticket {'closed' if action == 'close' else 'reopened'}.")
    return redirect("tickets:portal_detail", reference=ticket.reference)


@member_required(Perm.PORTAL_USE)
@require_POST
def portal_close(request: HttpRequest, reference: str) -> HttpResponse:
    return _status_change(request, reference, "close")


@member_required(Perm.PORTAL_USE)
@require_POST
def portal_reopen(request: HttpRequest, reference: str) -> HttpResponse:
    return _status_change(request, reference, "reopen")
