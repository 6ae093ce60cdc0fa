"""The rating page (public, reached by a signed link) and the CSAT report (staff).

Why a GET never records a rating: mail security scanners and link previewers open every link
of an email. If the score links recorded the score, a scanner would rate the ticket (often
"1", the first link) before the person reads the email. So each score link opens this page
with that score preselected, and one click on "Submit rating" (a POST with a CSRF token)
records it. A comment can be sent with it or added afterwards.

Answers: a forged or altered token is a 400, an expired link a 410, a survey of another
tenant (or none) a 404, a second rating "already rated" (409) changing nothing.
"""

from __future__ import annotations

import csv
import io
import zoneinfo
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from tenants.access import member_required
from tenants.roles import Perm

from . import selectors, services
from .forms import CommentForm, CsatFilterForm, RatingForm
from .models import Survey
from .tokens import TokenInvalid, survey_id_from_token


def _survey_or_answer(request: HttpRequest, token: str) -> Survey | HttpResponse:
    if getattr(request, "tenant", None) is None:
        raise Http404("No tenant here.")
    try:
        survey_id = survey_id_from_token(token)
    except TokenInvalid:
        return render(request, "satisfaction/invalid.html", status=400)
    survey = selectors.survey_get(tenant=request.tenant, survey_id=survey_id)
    if survey is None:
        raise Http404("No such survey.")
    return survey


def _preselected(request: HttpRequest) -> int | None:
    raw = request.GET.get("score", "")
    return int(raw) if raw in {"1", "2", "3", "4", "5"} else None


def _page(request: HttpRequest, survey: Survey, *, status: int = 200, **extra: Any) -> HttpResponse:
    context = {"survey": survey, "ticket": survey.ticket, "token": extra.pop("token"), **extra}
    return render(request, "satisfaction/rate.html", context, status=status)


def _rater(request: HttpRequest, survey: Survey):
    """The signed-in requester rating from the portal is recorded as the rater."""
    membership = getattr(request, "membership", None)
    return membership if membership is not None and membership.pk == survey.requester_id else None


@require_http_methods(["GET", "POST"])
def rate(request: HttpRequest, survey_token: str) -> HttpResponse:
    token = survey_token
    found = _survey_or_answer(request, token)
    if isinstance(found, HttpResponse):
        return found
    survey = found
    now = timezone.now()
    if not survey.is_rated and survey.expires_at <= now:
        return render(request, "satisfaction/expired.html", {"survey": survey}, status=410)
    if request.method == "GET":
        if survey.is_rated:
            return _page(request, survey, token=token, comment_form=CommentForm())
        form = RatingForm(initial={"score": _preselected(request)})
        return _page(request, survey, token=token, form=form)
    if request.POST.get("action") == "comment":
        return _comment(request, survey, token)
    form = RatingForm(request.POST)
    if not form.is_valid():
        return _page(request, survey, token=token, form=form, status=400)
    try:
        services.survey_rate(
            tenant=request.tenant, survey_id=survey.pk, score=form.cleaned_data["score"],
            comment=form.cleaned_data["comment"], by=_rater(request, survey), at=now,
        )  # fmt: skip
    except services.AlreadyRated:
        survey.refresh_from_db()
        return _page(request, survey, token=token, already=True, status=409)
    except services.SurveyExpired:
        return render(request, "satisfaction/expired.html", {"survey": survey}, status=410)
    return redirect(request.path + "?rated=1")


def _comment(request: HttpRequest, survey: Survey, token: str) -> HttpResponse:
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _page(request, survey, token=token, comment_form=form, status=400)
    try:
        services.survey_add_comment(
            tenant=request.tenant, survey_id=survey.pk, comment=form.cleaned_data["comment"]
        )
    except services.AlreadyRated:
        return _page(request, survey, token=token, already=True, status=409)
    except services.SurveyExpired:
        return render(request, "satisfaction/expired.html", {"survey": survey}, status=410)
    except ValidationError as error:
        form.add_error(None, error)
        return _page(request, survey, token=token, comment_form=form, status=400)
    return redirect(request.path + "?rated=1")


reports_view = member_required(Perm.REPORTS_VIEW)


def _filter(request: HttpRequest) -> CsatFilterForm:
    today = timezone.now().astimezone(zoneinfo.ZoneInfo(request.tenant.time_zone)).date()
    return CsatFilterForm(request.GET, today=today)


@require_GET
@reports_view
def report_page(request: HttpRequest) -> HttpResponse:
    form = _filter(request)
    if not form.is_valid():
        return render(request, "satisfaction/report.html", {"form": form}, status=400)
    data = form.cleaned_data
    report = selectors.csat_report(
        tenant=request.tenant, date_from=data["date_from"], date_to=data["date_to"]
    )
    query = f"date_from={data['date_from']:%Y-%m-%d}&date_to={data['date_to']:%Y-%m-%d}"
    context = {"form": form, "report": report, "query": query}
    return render(request, "satisfaction/report.html", context)


@require_GET
@reports_view
def report_csv(request: HttpRequest) -> HttpResponse:
    form = _filter(request)
    if not form.is_valid():
        lines = [f"{field}: {' '.join(errors)}" for field, errors in form.errors.items()]
        return HttpResponse("\n".join(lines), status=400, content_type="text/plain; charset=utf-8")
    data = form.cleaned_data
    report = selectors.csat_report(
        tenant=request.tenant, date_from=data["date_from"], date_to=data["date_to"]
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(selectors.CSV_COLUMNS)
    writer.writerows(selectors.csat_csv_rows(report))
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="csat-{data["date_from"]:%Y%m%d}-{data["date_to"]:%Y%m%d}.csv"'
    )
    return response
