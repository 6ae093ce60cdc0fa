"""Settings pages for escalation ladders (tenant admins): thin over configuration services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tenants.access import member_required
from tenants.roles import Perm

from . import configuration, selectors
from .forms import LadderForm, LevelForm
from .views import _add_errors


@member_required(Perm.SETTINGS_MANAGE)
def ladder_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "escalation/settings_ladders.html",
        {"ladders": selectors.ladders(tenant=request.tenant)},
    )  # fmt: skip


def _form_page(request: HttpRequest, form: LadderForm | LevelForm, title: str) -> HttpResponse:
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "escalation/settings_form.html", {"form": form, "title": title},
                  status=status)  # fmt: skip


@member_required(Perm.SETTINGS_MANAGE)
def ladder_edit(request: HttpRequest, ladder_id: int | None = None) -> HttpResponse:
    tenant = request.tenant
    ladder = selectors.ladder_get_or_404(tenant=tenant, ladder_id=ladder_id) if ladder_id else None
    form = LadderForm(request.POST or None, instance=ladder, tenant=tenant)
    if request.method == "POST" and form.is_valid():
        try:
            configuration.ladder_save(tenant=tenant, data=form.cleaned_data, ladder=ladder)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "Ladder saved.")
            return redirect("escalation:settings_ladders")
    return _form_page(request, form, f"Ladder: {ladder.name}" if ladder else "New ladder")


@member_required(Perm.SETTINGS_MANAGE)
def level_new(request: HttpRequest, ladder_id: int) -> HttpResponse:
    ladder = selectors.ladder_get_or_404(tenant=request.tenant, ladder_id=ladder_id)
    return _level_form(request, ladder, None)


@member_required(Perm.SETTINGS_MANAGE)
def level_edit(request: HttpRequest, level_id: int) -> HttpResponse:
    level = selectors.level_get_or_404(tenant=request.tenant, level_id=level_id)
    return _level_form(request, level.ladder, level)


def _level_form(request: HttpRequest, ladder, level) -> HttpResponse:
    tenant = request.tenant
    form = LevelForm(request.POST or None, instance=level, tenant=tenant, ladder=ladder)
    if request.method == "POST" and form.is_valid():
        try:
            configuration.level_save(
                tenant=tenant, ladder=ladder, data=form.cleaned_data, level=level
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "Level saved.")
            return redirect("escalation:settings_ladders")
    return _form_page(request, form, f"{ladder.name}: {'level' if level else 'new level'}")


@member_required(Perm.SETTINGS_MANAGE)
@require_POST
def level_delete(request: HttpRequest, level_id: int) -> HttpResponse:
    level = selectors.level_get_or_404(tenant=request.tenant, level_id=level_id)
    try:
        configuration.level_delete(tenant=request.tenant, level=level)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Level deleted.")
    return redirect("escalation:settings_ladders")
