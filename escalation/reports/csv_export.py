"""CSV exports, streamed: the summary (the same rows as the page, the charts and the API) and
every clock behind it (one row per clock, read through a server-side cursor, so an export of
any size never sits in memory)."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from .selectors import Figures, SlaReport

FIGURE_COLUMNS = [
    "met", "breached", "open", "stopped", "attainment_percent", "breach_minutes",
    "response_p50_business_minutes", "response_p90_business_minutes",
]  # fmt: skip
SUMMARY_COLUMNS = ["breakdown", "plan", "priority", "month", "customer_id", "customer",
                   "metric", *FIGURE_COLUMNS]  # fmt: skip
CLOCK_COLUMNS = [
    "clock_id", "ticket", "subject", "customer", "plan", "priority", "metric", "month",
    "started_at", "due_at", "answered_at", "breached_at", "status", "outcome",
    "minutes_past_deadline", "response_business_minutes",
]  # fmt: skip


# Rows per chunk handed to the server: one write per few hundred rows, not one per row.
ROWS_PER_CHUNK = 500


def _safe(text: str | None) -> str:
    # A cell starting with = + - @ is a formula to a spreadsheet: people's text is quoted.
    text = text or ""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _figures(figures: Figures) -> list[Any]:
    values = figures.as_dict()
    return ["" if values[c] is None else values[c] for c in FIGURE_COLUMNS]


def summary_rows(report: SlaReport) -> Iterator[list[Any]]:
    for line in report.by_plan_priority_month:
        yield ["plan_priority_month", line.plan.key if line.plan else "",
               line.priority.key if line.priority else "", line.month, "", "", line.metric,
               *_figures(line.figures)]  # fmt: skip
    for month in report.filters.months:
        for metric in report.metrics:
            figures = report.by_month.get((month, metric))
            if figures is not None:
                yield ["month", "", "", month, "", "", metric, *_figures(figures)]
    for line in report.by_customer:
        customer = line.customer
        yield [
            "customer",
            "",
            "",
            "",
            customer.pk if customer else "",
            _safe(customer.name if customer else ""),
            line.metric,
            *_figures(line.figures),
        ]
    for metric in report.metrics:
        yield ["total", "", "", "", "", "", metric, *_figures(report.totals[metric])]


def _iso(value: datetime | str | None) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else value.isoformat()


def _minutes(seconds: float | None) -> str:
    return "" if seconds is None else f"{seconds / 60:.1f}"


def clock_csv_row(row: dict[str, Any]) -> list[Any]:
    return [
        row["clock_id"], row["reference"], _safe(row["subject"]), _safe(row["customer_name"]),
        _safe(row["plan_name"]), _safe(row["priority_label"]), row["metric_key"],
        row["month_start"], _iso(row["started"]), _iso(row["due"]),
        _iso(row["answered"]), _iso(row["breached"]), row["status_value"], row["outcome"],
        _minutes(row["breach_seconds"]), _minutes(row["response_seconds"]),
    ]  # fmt: skip


def csv_lines(header: list[str], rows: Iterable[list[Any]]) -> Iterator[str]:
    """The CSV text in chunks of ROWS_PER_CHUNK rows (the first chunk is the header)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield buffer.getvalue()
    for batch in _batched(rows):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(batch)
        yield buffer.getvalue()


def _batched(rows: Iterable[list[Any]]) -> Iterator[list[list[Any]]]:
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, ROWS_PER_CHUNK)):
        yield batch
