"""The notifications page: a member's own notifications, newest first; marking them read."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from tenants.access import member_required, reader_zone

from . import selectors, services

PAGE_SIZE = 50


@member_required()
def notification_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.notification_list(tenant=request.tenant, membership=request.membership)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page, "zone": reader_zone(request)})


@member_required()
@require_POST
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    found = services.notification_mark_read(
        tenant=request.tenant, membership=request.membership, notification_id=notification_id
    )
    if not found:
        raise Http404("Not found.")
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:list")


@member_required()
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    services.notifications_mark_all_read(tenant=request.tenant, membership=request.membership)
    return redirect("notifications:list")
