from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse

from ops.health import health_report
from tenants.views import landing
from tickets.views import portal, staff


def home(request: HttpRequest) -> HttpResponse:
    """The tenant host's front door: clients see their tickets, staff the queue (served here
    directly rather than redirected, so `/` is a page of its own)."""
    if getattr(request, "tenant", None) is None:
        return landing(request)
    membership = request.membership
    if membership is None:
        return redirect_to_login(request.get_full_path())
    view = portal.portal_list if membership.is_client else staff.queue
    return view(request)


def healthz(request: HttpRequest) -> HttpResponse:
    """Each part of the deployment as JSON; 503 naming the failing parts (see ops/health.py)."""
    healthy, report = health_report()
    response = JsonResponse(report, status=200 if healthy else 503)
    response["Cache-Control"] = "no-store"
    return response
