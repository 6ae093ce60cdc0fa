"""The report's charts and the tables beside them, built from the same figures."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.safestring import SafeString

from .selectors import METRIC_LABELS, Figures, SlaReport
from .svg import Group, Series, bar_chart, column_chart


@dataclass(frozen=True)
class TableRow:
    label: str
    cells: list[Figures | None]  # one per series, in the chart's series order


@dataclass(frozen=True)
class Chart:
    chart_id: str
    title: str
    svg: SafeString
    series: list[Series]
    rows: list[TableRow]


def _series(report: SlaReport) -> list[Series]:
    return [Series(key=metric, label=METRIC_LABELS[metric]) for metric in report.metrics]


def _attainments(cells: list[Figures | None], series: list[Series]) -> dict[str, float | None]:
    return {
        one.key: (cell.attainment if cell is not None else None)
        for one, cell in zip(series, cells, strict=True)
    }


def monthly_attainment_chart(report: SlaReport) -> Chart:
    series = _series(report)
    rows = [
        TableRow(label=month, cells=[report.by_month.get((month, s.key)) for s in series])
        for month in report.filters.months
    ]
    groups = [Group(label=row.label, values=_attainments(row.cells, series)) for row in rows]
    title = "SLA attainment by month"
    description = (
        f"Percent of decided clocks met, per month and metric, {report.filters.date_from} to "
        f"{report.filters.date_to} (month the clock started, in the provider's time zone). "
        "A month without a bar had no clock met or breached. Figures in the table beside."
    )
    svg = column_chart(
        chart_id="chart-monthly", title=title, description=description, series=series,
        groups=groups,
    )  # fmt: skip
    return Chart(chart_id="chart-monthly", title=title, svg=svg, series=series, rows=rows)


def customer_attainment_chart(report: SlaReport) -> Chart:
    series = _series(report)
    by_customer: dict[int, dict[str, Figures]] = {}
    names: dict[int, str] = {}
    for line in report.by_customer:
        key = line.customer.pk if line.customer else 0
        names[key] = line.customer.name if line.customer else "—"
        by_customer.setdefault(key, {})[line.metric] = line.figures
    rows = [
        TableRow(label=names[key], cells=[by_customer[key].get(s.key) for s in series])
        for key in by_customer
    ]
    groups = [Group(label=row.label, values=_attainments(row.cells, series)) for row in rows]
    title = "SLA attainment per customer"
    description = (
        f"Percent of decided clocks met, per customer and metric, {report.filters.date_from} "
        f"to {report.filters.date_to}. Figures in the table beside."
    )
    svg = bar_chart(
        chart_id="chart-customers", title=title, description=description, series=series,
        groups=groups,
    )  # fmt: skip
    return Chart(chart_id="chart-customers", title=title, svg=svg, series=series, rows=rows)
