"""Reading surveys: the one a page shows, and the CSAT figures of the reports."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Avg, Count, Q, QuerySet
from django.db.models.functions import TruncMonth

from tenants.models import Tenant

from .models import SATISFIED_MIN, Survey


def survey_get(*, tenant: Tenant, survey_id: int) -> Survey | None:
    return (
        Survey.objects.for_tenant(tenant)
        .select_related("ticket", "customer")
        .filter(pk=survey_id)
        .first()
    )


def survey_for_ticket(*, tenant: Tenant, ticket_id: int) -> Survey | None:
    return Survey.objects.for_tenant(tenant).filter(ticket_id=ticket_id).first()


@dataclass(frozen=True)
class Figures:
    """CSAT = the share of ratings that are 4 or 5; with the average and the count."""

    key: str
    label: str
    count: int
    satisfied: int
    average: float | None

    @property
    def csat(self) -> float | None:
        return round(100 * self.satisfied / self.count, 1) if self.count else None


@dataclass(frozen=True)
class CsatReport:
    date_from: date
    date_to: date
    total: Figures
    by_month: list[Figures]
    by_agent: list[Figures]
    by_plan: list[Figures]
    by_customer: list[Figures]

    def breakdowns(self) -> list[tuple[str, list[Figures]]]:
        return [
            ("month", self.by_month), ("agent", self.by_agent), ("plan", self.by_plan),
            ("customer", self.by_customer),
        ]  # fmt: skip


_FIGURES = {
    "count": Count("id"),
    "satisfied": Count("id", filter=Q(score__gte=SATISFIED_MIN)),
    "average": Avg("score"),
}


def _figures(key: str, label: str, row: dict) -> Figures:
    average = row["average"]
    return Figures(
        key=key, label=label, count=row["count"], satisfied=row["satisfied"],
        average=round(float(average), 2) if average is not None else None,
    )  # fmt: skip


def rated_surveys(*, tenant: Tenant, date_from: date, date_to: date) -> QuerySet[Survey]:
    """Surveys rated between the two days (inclusive), days in the tenant's zone."""
    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    start = datetime.combine(date_from, time.min, tzinfo=zone)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=zone)
    return Survey.objects.for_tenant(tenant).filter(rated_at__gte=start, rated_at__lt=end)


def csat_report(*, tenant: Tenant, date_from: date, date_to: date) -> CsatReport:
    """Five aggregate queries, whatever the number of surveys."""
    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    rated = rated_surveys(tenant=tenant, date_from=date_from, date_to=date_to)
    total = _figures("all", "All ratings", rated.aggregate(**_FIGURES))
    by_month = [
        _figures(row["month"].strftime("%Y-%m"), row["month"].strftime("%B %Y"), row)
        for row in rated.annotate(month=TruncMonth("rated_at", tzinfo=zone))
        .values("month").annotate(**_FIGURES).order_by("month")
    ]  # fmt: skip
    by_agent = [
        _figures(str(row["agent"] or ""), row["agent__user__email"] or "Unassigned", row)
        for row in rated.values("agent", "agent__user__email")
        .annotate(**_FIGURES).order_by("agent__user__email")
    ]  # fmt: skip
    by_plan = [
        _figures(row["plan__key"], row["plan__name"], row)
        for row in rated.values("plan__key", "plan__name")
        .annotate(**_FIGURES).order_by("plan__name")
    ]  # fmt: skip
    by_customer = [
        _figures(str(row["customer"]), row["customer__name"], row)
        for row in rated.values("customer", "customer__name")
        .annotate(**_FIGURES).order_by("customer__name")
    ]  # fmt: skip
    return CsatReport(
        date_from=date_from, date_to=date_to, total=total, by_month=by_month,
        by_agent=by_agent, by_plan=by_plan, by_customer=by_customer,
    )  # fmt: skip


CSV_COLUMNS = ["breakdown", "key", "label", "ratings", "satisfied", "csat_percent", "average"]


def csat_csv_rows(report: CsatReport) -> list[list[object]]:
    """The page's figures, line for line, then the total."""
    rows: list[list[object]] = []
    for breakdown, figures in [*report.breakdowns(), ("total", [report.total])]:
        for f in figures:
            rows.append([
                breakdown, f.key, f.label, f.count, f.satisfied,
                "" if f.csat is None else f"{f.csat:.1f}",
                "" if f.average is None else f"{f.average:.2f}",
            ])  # fmt: skip
    return rows
