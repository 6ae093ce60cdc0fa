"""The SLA compliance report's figures: clock outcomes (from `sla.report_selectors`) grouped by
plan × priority × month, by month, by customer and in total, in one GROUPING SETS statement;
the per-clock rows behind them for the CSV; one customer's month for the statement."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import F
from django.utils import timezone

from sla import report_selectors
from sla.models import Metric, Plan, Priority
from tenants.models import Customer

from .escalations import EscalationSection, escalation_section
from .filters import ReportFilters

if TYPE_CHECKING:
    from tenants.models import Tenant

METRIC_ORDER = [Metric.FIRST_RESPONSE, Metric.NEXT_RESPONSE, Metric.RESOLUTION]
METRIC_LABELS = dict(Metric.choices)
# The ticket's customer, reached from the clock through the lazy `ticket` reference
# (escalation sits above tickets, so it may name the ticket's fields; sla does not).
CUSTOMER = {"customer_id": F("ticket__customer_id")}
GROUPINGS = [
    ("metric", "plan_id", "priority_id", "month"),
    ("metric", "month"),
    ("metric", "customer_id"),
    ("metric",),
]


@dataclass(frozen=True)
class Figures:
    met: int = 0
    breached: int = 0
    open: int = 0
    stopped: int = 0
    breach_minutes: float = 0.0
    response_p50_minutes: float | None = None  # business time
    response_p90_minutes: float | None = None

    @property
    def decided(self) -> int:
        return self.met + self.breached

    @property
    def attainment(self) -> float | None:
        """Percent of decided clocks met (None when nothing is decided yet)."""
        return round(100 * self.met / self.decided, 1) if self.decided else None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Figures:
        return cls(
            met=row["met"], breached=row["breached"], open=row["open"], stopped=row["stopped"],
            breach_minutes=row["breach_minutes"],
            response_p50_minutes=row["response_p50_minutes"],
            response_p90_minutes=row["response_p90_minutes"],
        )  # fmt: skip

    def as_dict(self) -> dict[str, Any]:
        return {
            "met": self.met, "breached": self.breached, "open": self.open,
            "stopped": self.stopped, "attainment_percent": self.attainment,
            "breach_minutes": self.breach_minutes,
            "response_p50_business_minutes": self.response_p50_minutes,
            "response_p90_business_minutes": self.response_p90_minutes,
        }  # fmt: skip


@dataclass(frozen=True)
class Line:
    """One row of a breakdown: its keys (labels), the metric and its figures."""

    metric: str
    figures: Figures
    plan: Plan | None = None
    priority: Priority | None = None
    month: str | None = None
    customer: Customer | None = None

    @property
    def metric_label(self) -> str:
        return METRIC_LABELS[self.metric]


@dataclass
class SlaReport:
    filters: ReportFilters
    metrics: list[str] = field(default_factory=list)  # those with clocks in the range
    totals: dict[str, Figures] = field(default_factory=dict)
    by_month: dict[tuple[str, str], Figures] = field(default_factory=dict)
    by_plan_priority_month: list[Line] = field(default_factory=list)
    by_customer: list[Line] = field(default_factory=list)
    escalations: EscalationSection | None = None

    def total_lines(self) -> list[Line]:
        return [Line(metric=metric, figures=self.totals[metric]) for metric in self.metrics]


def report_choices(*, tenant: Tenant) -> tuple[list[Plan], list[Priority], list[Customer]]:
    """The plans, priorities and customers the filters offer and the lines are labelled with."""
    return (
        list(Plan.objects.for_tenant(tenant).order_by("order", "key")),
        list(Priority.objects.for_tenant(tenant).order_by("order", "key")),
        list(Customer.objects.for_tenant(tenant).order_by("name")),
    )


def _clocks(*, tenant: Tenant, filters: ReportFilters) -> Any:
    clocks = report_selectors.report_clocks(
        tenant=tenant, started_from=filters.started_from, started_before=filters.started_before,
        plan_id=filters.plan.pk if filters.plan else None,
    )  # fmt: skip
    if filters.customer is not None:
        clocks = clocks.filter(ticket__customer_id=filters.customer.pk)
    return clocks


def _metric_key(metric: str) -> int:
    return METRIC_ORDER.index(metric) if metric in METRIC_ORDER else len(METRIC_ORDER)


def sla_report(
    *,
    tenant: Tenant,
    filters: ReportFilters,
    plans: list[Plan],
    priorities: list[Priority],
    customers: list[Customer],
    now: datetime | None = None,
) -> SlaReport:
    """Every figure of the report page and the API, from one statement over the clocks."""
    now = now or timezone.now()
    rows = report_selectors.clock_outcome_rows(
        tenant=tenant, clocks=_clocks(tenant=tenant, filters=filters), now=now,
        zone=filters.zone, grouping_sets=GROUPINGS, dimensions=CUSTOMER,
    )  # fmt: skip
    plan_by_id = {plan.pk: plan for plan in plans}
    priority_by_id = {priority.pk: priority for priority in priorities}
    customer_by_id = {customer.pk: customer for customer in customers}
    report = SlaReport(filters=filters)
    for row in rows:
        figures, metric, grouping = Figures.from_row(row), row["metric"], row["grouping"]
        if grouping == GROUPINGS[0]:
            report.by_plan_priority_month.append(Line(
                metric=metric, figures=figures, plan=plan_by_id.get(row["plan_id"]),
                priority=priority_by_id.get(row["priority_id"]), month=row["month"],
            ))  # fmt: skip
        elif grouping == GROUPINGS[1]:
            report.by_month[(row["month"], metric)] = figures
        elif grouping == GROUPINGS[2]:
            customer = customer_by_id.get(row["customer_id"])
            report.by_customer.append(Line(metric=metric, figures=figures, customer=customer))
        else:
            report.totals[metric] = figures
    report.metrics = sorted(report.totals, key=_metric_key)
    report.by_plan_priority_month.sort(key=lambda line: (
        line.plan.order if line.plan else 0, line.plan.key if line.plan else "",
        line.priority.order if line.priority else 0, line.month or "", _metric_key(line.metric),
    ))  # fmt: skip
    report.by_customer.sort(
        key=lambda line: (line.customer.name if line.customer else "", _metric_key(line.metric))
    )
    report.escalations = escalation_section(
        tenant=tenant, started_from=filters.started_from, started_before=filters.started_before,
        plan_id=filters.plan.pk if filters.plan else None,
        customer_id=filters.customer.pk if filters.customer else None,
    )  # fmt: skip
    return report


DETAIL_FIELDS = {
    "reference": F("ticket__reference"),
    "subject": F("ticket__subject"),
    "customer_name": F("ticket__customer__name"),
    "plan_name": F("target__policy__plan__name"),
    "priority_label": F("target__priority__label"),
}


def clock_rows(
    *, tenant: Tenant, filters: ReportFilters, now: datetime | None = None, chunk_size: int = 2000
) -> Iterator[dict[str, Any]]:
    """Every clock behind the figures, one dict each, through a server-side cursor."""
    rows = report_selectors.clock_outcome_details(
        tenant=tenant, clocks=_clocks(tenant=tenant, filters=filters),
        now=now or timezone.now(), zone=filters.zone, fields=DETAIL_FIELDS,
        timestamps_as_text=True,
    )  # fmt: skip
    return rows.iterator(chunk_size=chunk_size)


@dataclass
class Statement:
    customer: Customer
    month: str
    filters: ReportFilters
    totals: dict[str, Figures]
    by_priority: list[Line]
    breaches: list[dict[str, Any]]
    more_breaches: int

    def total_lines(self) -> list[Line]:
        return [Line(metric=metric, figures=figures) for metric, figures in self.totals.items()]


STATEMENT_BREACHES = 200


def customer_statement(
    *, tenant: Tenant, customer: Customer, filters: ReportFilters, now: datetime | None = None
) -> Statement:
    """One customer's month: figures per metric and per priority, and the late clocks."""
    now = now or timezone.now()
    clocks = _clocks(tenant=tenant, filters=filters)
    rows = report_selectors.clock_outcome_rows(
        tenant=tenant, clocks=clocks, now=now, zone=filters.zone,
        grouping_sets=[("metric",), ("metric", "priority_id")],
    )  # fmt: skip
    priority_by_id = {p.pk: p for p in Priority.objects.for_tenant(tenant)}
    totals: dict[str, Figures] = {}
    by_priority: list[Line] = []
    for row in rows:
        figures = Figures.from_row(row)
        if row["grouping"] == ("metric",):
            totals[row["metric"]] = figures
        else:
            priority = priority_by_id.get(row["priority_id"])
            by_priority.append(Line(metric=row["metric"], figures=figures, priority=priority))
    by_priority.sort(key=lambda line: (
        line.priority.order if line.priority else 0, _metric_key(line.metric),
    ))  # fmt: skip
    late = report_selectors.clock_outcome_details(
        tenant=tenant, clocks=clocks, now=now, zone=filters.zone, fields=DETAIL_FIELDS,
        outcome="breached",
    )  # fmt: skip
    breaches = list(late[:STATEMENT_BREACHES])
    for row in breaches:
        row["metric_label"] = METRIC_LABELS.get(row["metric_key"], row["metric_key"])
    breached_total = sum(figures.breached for figures in totals.values())
    return Statement(
        customer=customer, month=filters.date_from.strftime("%Y-%m"), filters=filters,
        totals=dict(sorted(totals.items(), key=lambda item: _metric_key(item[0]))),
        by_priority=by_priority, breaches=breaches,
        more_breaches=max(breached_total - STATEMENT_BREACHES, 0),
    )  # fmt: skip


def customer_or_none(*, tenant: Tenant, customer_id: int) -> Customer | None:
    return Customer.objects.for_tenant(tenant).select_related("plan").filter(pk=customer_id).first()
