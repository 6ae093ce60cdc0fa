"""The "inbound problems" page for tenant admins: held, failed, oversize and rate-limited
mail, with retry and discard; and the stored original of any delivery (staff only)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tenants.access import member_required
from tenants.roles import Perm

from . import selectors, services
from .models import InboundEmail
from .parsing import charset_decode

manage = member_required(Perm.SETTINGS_MANAGE)
staff = member_required(Perm.TICKET_WORK)


@manage
def problems(request: HttpRequest) -> HttpResponse:
    rows = selectors.inbound_problems(tenant=request.tenant)[:200]
    return render(request, "inbound/problems.html", {"rows": rows})


@staff
def raw(request: HttpRequest, inbound_id: int) -> HttpResponse:
    """The full original, one click from a ticket: shown as text, never rendered as HTML."""
    try:
        inbound = selectors.inbound_get(tenant=request.tenant, pk=inbound_id)
    except InboundEmail.DoesNotExist:
        raise Http404("No such message.") from None
    text = charset_decode(bytes(inbound.raw_mime), "utf-8")
    return render(request, "inbound/raw.html", {"inbound": inbound, "raw_text": text})


@staff
def ticket_originals(request: HttpRequest, reference: str) -> HttpResponse:
    """Every stored email of one ticket (what opened it and the replies), for the ticket
    page's "original message" link."""
    rows = selectors.inbound_of_ticket(tenant=request.tenant, reference=reference)
    if rows is None:
        raise Http404("No such ticket.")
    return render(request, "inbound/ticket.html", {"rows": rows, "reference": reference})


def _decide(request: HttpRequest, inbound_id: int, action: str) -> HttpResponse:
    service = services.inbound_retry if action == "retry" else services.inbound_discard
    try:
        service(tenant=request.tenant, inbound_id=inbound_id, actor=request.membership)
    except ValidationError:
        raise Http404("No such message waiting.") from None
    messages.success(request, "Released: processing again." if action == "retry" else "Discarded.")
    return redirect("inbound:problems")


@manage
@require_POST
def retry(request: HttpRequest, inbound_id: int) -> HttpResponse:
    return _decide(request, inbound_id, "retry")


@manage
@require_POST
def discard(request: HttpRequest, inbound_id: int) -> HttpResponse:
    return _decide(request, inbound_id, "discard")
