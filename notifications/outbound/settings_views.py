"""Settings pages for tenant admins: the email templates (per-tenant overrides of the
files, sandboxed) and the suppressed addresses (hard bounces, complaints) with "lift"."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import get_template
from django.views.decorators.http import require_POST

from tenants.access import member_required
from tenants.roles import Perm

from . import selectors, services
from .email_templates import EVENTS

manage = member_required(Perm.SETTINGS_MANAGE)


def _file_source(event: str, part: str) -> str:
    name = f"notifications/email/{event}{part}"
    template = get_template(name)
    return template.template.source


@manage
def templates(request: HttpRequest) -> HttpResponse:
    overrides = selectors.template_overrides(tenant=request.tenant)
    rows = [{"event": e, "variables": v, "override": overrides.get(e)} for e, v in EVENTS.items()]
    return render(request, "notifications/email/settings_templates.html", {"rows": rows})


@manage
def template_edit(request: HttpRequest) -> HttpResponse:
    event = request.GET.get("event", "")
    if event not in EVENTS:
        raise Http404("No such email.")
    override = selectors.template_overrides(tenant=request.tenant).get(event)
    values = {
        "subject": override.subject if override else _file_source(event, "_subject.txt"),
        "text": override.text if override else _file_source(event, ".txt"),
        "html": override.html if override else _file_source(event, ".html"),
    }
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        if "reset" in request.POST:
            services.template_override_delete(tenant=request.tenant, event=event)
            messages.success(request, "Back to the standard texts.")
            return redirect("notifications:templates")
        values = {k: request.POST.get(k, "") for k in ("subject", "text", "html")}
        try:
            services.template_override_save(tenant=request.tenant, event=event, **values)
        except ValidationError as error:
            errors, status = error.message_dict, 400
        else:
            messages.success(request, "Saved.")
            return redirect("notifications:templates")
    context = {"event": event, "variables": EVENTS[event], "values": values,
               "errors": errors, "override": override}  # fmt: skip
    return render(request, "notifications/email/settings_template_edit.html", context,
                  status=status)  # fmt: skip


@manage
def suppressions(request: HttpRequest) -> HttpResponse:
    rows = selectors.suppression_list(tenant=request.tenant)[:500]
    return render(request, "notifications/email/settings_suppressions.html", {"rows": rows})


@manage
@require_POST
def suppression_lift(request: HttpRequest, suppression_id: int) -> HttpResponse:
    if not services.suppression_lift(tenant=request.tenant, suppression_id=suppression_id):
        raise Http404("No such suppression.")
    messages.success(request, "Lifted: mail to this address is sent again.")
    return redirect("notifications:suppressions")
