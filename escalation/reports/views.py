"""Report pages for staff with Perm.REPORTS_VIEW (team leads, managers, executives, tenant
admins): the SLA compliance report, its CSV exports and the monthly customer statement.
Anyone else gets a 404, like every page a member may not see. Thin: the form validates, the
selectors compute."""

from __future__ import annotations

import zoneinfo
from calendar import monthrange
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from tenants.access import member_required
from tenants.roles import Perm

from . import charts, csv_export, selectors
from .filters import ReportFilterForm, ReportFilters

reports_view = member_required(Perm.REPORTS_VIEW)


def _zone(request: HttpRequest) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(request.tenant.time_zone)


def filter_form(request: HttpRequest, data: Any) -> tuple[ReportFilterForm, tuple]:
    choices = selectors.report_choices(tenant=request.tenant)
    plans, _priorities, customers = choices
    form = ReportFilterForm(data, plans=plans, customers=customers, zone=_zone(request))
    return form, choices


@require_GET
@reports_view
def report_page(request: HttpRequest) -> HttpResponse:
    form, (plans, priorities, customers) = filter_form(request, request.GET)
    context: dict[str, Any] = {"form": form, "plans": plans, "customers": customers}
    if not form.is_valid():
        return render(request, "reports/report.html", context, status=400)
    filters = form.filters()
    report = selectors.sla_report(
        tenant=request.tenant, filters=filters, plans=plans, priorities=priorities,
        customers=customers,
    )  # fmt: skip
    query = urlencode(filters.query())
    context.update(
        report=report,
        filters=filters,
        query=query,
        charts=[charts.monthly_attainment_chart(report), charts.customer_attainment_chart(report)],
        statement_month=filters.date_to.strftime("%Y-%m"),
    )
    return render(request, "reports/report.html", context)


def _csv_response(lines: Any, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _form_errors(form: ReportFilterForm) -> HttpResponse:
    lines = [f"{field}: {' '.join(errors)}" for field, errors in form.errors.items()]
    return HttpResponse("\n".join(lines), status=400, content_type="text/plain; charset=utf-8")


@require_GET
@reports_view
def summary_csv(request: HttpRequest) -> HttpResponse:
    """The report's figures as CSV: the plan × priority × month lines, then the months, the
    customers and the totals (a `breakdown` column says which)."""
    form, (plans, priorities, customers) = filter_form(request, request.GET)
    if not form.is_valid():
        return _form_errors(form)
    report = selectors.sla_report(
        tenant=request.tenant, filters=form.filters(), plans=plans, priorities=priorities,
        customers=customers,
    )  # fmt: skip
    lines = csv_export.csv_lines(csv_export.SUMMARY_COLUMNS, csv_export.summary_rows(report))
    return _csv_response(lines, f"sla-report-{timezone.now():%Y%m%d}.csv")


@require_GET
@reports_view
def clocks_csv(request: HttpRequest) -> HttpResponse:
    """Every clock behind the figures, streamed from a server-side cursor."""
    form, _choices = filter_form(request, request.GET)
    if not form.is_valid():
        return _form_errors(form)
    rows = selectors.clock_rows(tenant=request.tenant, filters=form.filters())
    lines = csv_export.csv_lines(
        csv_export.CLOCK_COLUMNS, (csv_export.clock_csv_row(row) for row in rows)
    )
    return _csv_response(lines, f"sla-clocks-{timezone.now():%Y%m%d}.csv")


def _month_range(month: str) -> tuple[date, date]:
    """The month's first and last day; the URL converter has kept the year in range."""
    year, number = int(month[:4]), int(month[5:7])
    return date(year, number, 1), date(year, number, monthrange(year, number)[1])


@require_GET
@reports_view
def customer_statement(request: HttpRequest, customer_id: int, month: str) -> HttpResponse:
    """A customer's month, printable, for the provider to send to the client. Another
    tenant's customer is a 404, exactly like a missing one."""
    customer = selectors.customer_or_none(tenant=request.tenant, customer_id=customer_id)
    if customer is None:
        raise Http404("No such customer.")
    date_from, date_to = _month_range(month)
    filters = ReportFilters(
        date_from=date_from, date_to=date_to, zone=_zone(request), customer=customer
    )
    statement = selectors.customer_statement(
        tenant=request.tenant, customer=customer, filters=filters
    )
    return render(
        request,
        "reports/statement.html",
        {"statement": statement, "zone": filters.zone, "generated_at": timezone.now()},
    )
