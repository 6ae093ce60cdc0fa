from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from tenants.views import landing


def home(request: HttpRequest) -> HttpResponse:
    """The tenant host's front door: clients to their tickets, staff to the queue."""
    if getattr(request, "tenant", None) is None:
        return landing(request)
    membership = request.membership
    if membership is None:
        return redirect_to_login(request.get_full_path())
    return redirect("tickets:portal_list" if membership.is_client else "tickets:queue")


def healthz(request: HttpRequest) -> HttpResponse:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
