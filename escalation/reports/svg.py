"""Bar charts as inline SVG, drawn on the server: no script, no external asset.

Each chart is an `<svg role="img">` labelled by its own `<title>` and `<desc>` (what a screen
reader announces), and every bar carries its figure in `data-series` / `data-label` /
`data-value` and a `<title>` (the tooltip): the page puts a table with the same figures
beside each chart, and the tests read the chart back from these attributes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Colour-blind-safe palette (Okabe-Ito), one colour per series.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
FONT = 'font-family="system-ui, sans-serif" font-size="11"'


@dataclass(frozen=True)
class Series:
    key: str
    label: str


@dataclass(frozen=True)
class Group:
    """One label on the category axis and a value (or None: nothing to show) per series."""

    label: str
    values: dict[str, float | None]


def _fmt(value: float) -> str:
    return f"{value:g}"


def _legend(series: Sequence[Series], x: float, y: float) -> list[str]:
    parts = []
    for i, one in enumerate(series):
        left = x + i * 140
        parts.append(
            f'<rect x="{left}" y="{y - 9}" width="10" height="10" fill="{PALETTE[i % 6]}"/>'
            f'<text x="{left + 14}" y="{y}" {FONT}>{escape(one.label)}</text>'
        )
    return parts


def _bar(
    *,
    x: float,
    y: float,
    width: float,
    height: float,
    colour: str,
    series: Series,
    group: Group,
    value: float,
    unit: str,
) -> str:
    tip = f"{group.label}, {series.label}: {_fmt(value)}{unit}"
    return (
        f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" '
        f'fill="{colour}" data-series="{escape(series.key)}" data-label="{escape(group.label)}" '
        f'data-value="{_fmt(value)}"><title>{escape(tip)}</title></rect>'
    )


def _frame(chart_id: str, title: str, description: str, width: int, height: int) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" id="{escape(chart_id)}"'
        f' width="{width}" height="{height}" viewBox="0 0 {width} {height}"'
        f' aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc">'
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>'
    )


def column_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    series: Sequence[Series],
    groups: Sequence[Group],
    max_value: float = 100.0,
    unit: str = "%",
) -> SafeString:
    """Vertical grouped bars (one group per category, e.g. a month), y from 0 to max_value."""
    top, bottom, left, plot_h = 34, 40, 40, 160
    bar_w, gap = 16, 18
    group_w = max(len(series), 1) * bar_w + gap
    width = max(left + len(groups) * group_w + 20, 460)
    height = top + plot_h + bottom
    parts = [_frame(chart_id, title, description, width, height)]
    parts += _legend(series, left, 14)
    for tick in range(0, 101, 25):
        y = top + plot_h - plot_h * tick / 100
        parts.append(
            f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#dde1e8"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" {FONT}>'
            f"{_fmt(max_value * tick / 100)}{escape(unit)}</text>"
        )
    for g, group in enumerate(groups):
        x0 = left + g * group_w + gap / 2
        for s, one in enumerate(series):
            value = group.values.get(one.key)
            if value is None:
                continue
            h = plot_h * min(max(value, 0.0), max_value) / max_value
            parts.append(_bar(
                x=x0 + s * bar_w, y=top + plot_h - h, width=bar_w - 2, height=h,
                colour=PALETTE[s % 6], series=one, group=group, value=value, unit=unit,
            ))  # fmt: skip
        label_x = x0 + len(series) * bar_w / 2
        parts.append(
            f'<text x="{label_x:.1f}" y="{top + plot_h + 16}" text-anchor="middle" {FONT}>'
            f"{escape(group.label)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    series: Sequence[Series],
    groups: Sequence[Group],
    max_value: float = 100.0,
    unit: str = "%",
) -> SafeString:
    """Horizontal grouped bars (one row per category, e.g. a customer): long labels fit."""
    top, left, plot_w = 30, 170, 360
    bar_h, gap = 12, 10
    row_h = max(len(series), 1) * bar_h + gap
    width = left + plot_w + 60
    height = top + max(len(groups), 1) * row_h + 24
    parts = [_frame(chart_id, title, description, width, height)]
    parts += _legend(series, left, 14)
    for tick in range(0, 101, 25):
        x = left + plot_w * tick / 100
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{height - 20}" stroke="#dde1e8"/>'
            f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle" {FONT}>'
            f"{_fmt(max_value * tick / 100)}{escape(unit)}</text>"
        )
    for g, group in enumerate(groups):
        y0 = top + g * row_h + gap / 2
        label = group.label if len(group.label) <= 26 else group.label[:25] + "…"
        parts.append(
            f'<text x="{left - 6}" y="{y0 + row_h / 2:.1f}" text-anchor="end" {FONT}>'
            f"{escape(label)}</text>"
        )
        for s, one in enumerate(series):
            value = group.values.get(one.key)
            if value is None:
                continue
            w = plot_w * min(max(value, 0.0), max_value) / max_value
            parts.append(_bar(
                x=left, y=y0 + s * bar_h, width=w, height=bar_h - 2, colour=PALETTE[s % 6],
                series=one, group=group, value=value, unit=unit,
            ))  # fmt: skip
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped
