"""What the public policy page shows, read from the same rows that drive the clocks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from .calendar_cache import public_holidays
from .calendars import DAY_NAMES, validate_weekly
from .durations import format_duration
from .models import Calendar, Channel, MaintenanceWindow, Metric, Plan, SupportPolicy
from .selectors import plans_with_targets, policy_scheduled, policy_sections, priorities

if TYPE_CHECKING:
    from tenants.models import Tenant

HOLIDAY_HORIZON = timedelta(days=365)


@dataclass
class PlanRow:
    plan: Plan
    policy: SupportPolicy | None
    scheduled: SupportPolicy | None
    # priority id -> metric -> "4h (business hours)"
    cells: dict[int, dict[str, str]] = field(default_factory=dict)
    channels: list[str] = field(default_factory=list)
    # [(priority, [cell text per shown metric])], filled once the shown metrics are known
    table: list[tuple[Any, list[str]]] = field(default_factory=list)


def text_blocks(body: str) -> list[tuple[str, Any]]:
    """Plain text → paragraphs and bullet lists ('- ' lines), for the template.

    Blank lines separate paragraphs; a run of '- ' lines is one list, even right after an
    introducing sentence ("Our services include:").
    """
    blocks: list[tuple[str, Any]] = []
    for chunk in body.replace("\r\n", "\n").split("\n\n"):
        paragraph: list[str] = []
        items: list[str] = []
        for line in (line.strip() for line in chunk.split("\n")):
            if not line:
                continue
            if line.startswith("- "):
                if paragraph:
                    blocks.append(("p", " ".join(paragraph)))
                    paragraph = []
                items.append(line[2:])
            else:
                if items:
                    blocks.append(("ul", items))
                    items = []
                paragraph.append(line)
        if paragraph:
            blocks.append(("p", " ".join(paragraph)))
        if items:
            blocks.append(("ul", items))
    return blocks


def describe_hours(calendar: Calendar) -> str:
    if calendar.always_open:
        return "24 hours a day, 7 days a week, including holidays"
    weekly = validate_weekly(calendar.weekly, allow_empty=True)
    groups: list[tuple[list[int], str]] = []
    for day in range(7):
        hours = ", ".join(str(iv) for iv in weekly[day])
        if not hours:
            continue
        if groups and groups[-1][1] == hours and groups[-1][0][-1] == day - 1:
            groups[-1][0].append(day)
        else:
            groups.append(([day], hours))
    parts = []
    for days, hours in groups:
        first, last = DAY_NAMES[days[0]], DAY_NAMES[days[-1]]
        span = first if len(days) == 1 else f"{first}–{last}"
        parts.append(f"{span} {hours}")
    return "; ".join(parts) or "closed"


def describe_days(days: list[int]) -> str:
    """[5, 6] → "Saturday and Sunday"; [0, 1, 2, 3, 4] → "Monday–Friday"; all → "Every day"."""
    days = sorted({d for d in days if 0 <= d < 7})
    if len(days) == 7:
        return "Every day"
    runs: list[list[int]] = []
    for day in days:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    names: list[str] = []
    for run in runs:
        if len(run) > 2:
            names.append(f"{DAY_NAMES[run[0]]}–{DAY_NAMES[run[-1]]}")
        else:
            names.extend(DAY_NAMES[d] for d in run)
    if len(names) > 1:
        return ", ".join(names[:-1]) + " and " + names[-1]
    return names[0] if names else ""


def describe_window(window: MaintenanceWindow) -> str:
    """ "Saturday and Sunday, 22:00–04:00 (ending the next day) America/New_York" """
    span = f"{window.starts:%H:%M}–{window.ends:%H:%M}"
    if window.ends <= window.starts:
        span += " (ending the next day)"
    days = describe_days(window.weekdays)
    return f"{days}, {span} {window.time_zone}" if days else f"{span} {window.time_zone}"


def upcoming_holidays(calendar: Calendar, today: date) -> list[tuple[date, str]]:
    if calendar.always_open:
        return []
    end = today + HOLIDAY_HORIZON
    found = {
        day: name
        for day, name in public_holidays(calendar.holiday_country, calendar.holiday_subdivision)
        .items()
        if today <= day <= end
    }
    for closure in calendar.closures.all():
        if today <= closure.date <= end:
            found[closure.date] = closure.name or "Closed"
    return sorted(found.items())


def policy_page_context(*, tenant: Tenant, now: datetime) -> dict[str, Any]:
    pairs = plans_with_targets(tenant=tenant, at=now)
    channel_labels = dict(Channel.choices)
    rows: list[PlanRow] = []
    calendars: dict[int, Calendar] = {}
    metrics_used: set[str] = set()
    for plan, policy in pairs:
        row = PlanRow(plan=plan, policy=policy,
                      scheduled=policy_scheduled(tenant=tenant, plan=plan, at=now),
                      channels=[channel_labels.get(c, c) for c in plan.channels])  # fmt: skip
        for target in policy.targets.all() if policy else []:
            calendars[target.calendar_id] = target.calendar
            metrics_used.add(target.metric)
            where = "24/7" if target.calendar.always_open else "business hours"
            row.cells.setdefault(target.priority_id, {})[target.metric] = (
                f"{format_duration(target.duration)} ({where})"
            )
        rows.append(row)
    shown = [(m, label) for m, label in Metric.choices if m in metrics_used]
    priority_rows = priorities(tenant=tenant)
    for row in rows:
        row.table = [
            (p, [row.cells.get(p.pk, {}).get(m, "—") for m, _ in shown]) for p in priority_rows
        ]
    in_use = sorted(calendars.values(), key=lambda c: (c.always_open, c.name))
    zone = in_use[0].as_business_calendar().timezone if in_use else now.tzinfo
    today = now.astimezone(zone).date()
    return {
        "plans": rows,
        "priorities": priority_rows,
        "metrics": shown,
        "calendars": [
            {"calendar": c, "hours": describe_hours(c), "holidays": upcoming_holidays(c, today)}
            for c in in_use
        ],
        "sections": [
            {"section": s, "blocks": text_blocks(s.body)} for s in policy_sections(tenant=tenant)
        ],
        "maintenance": [
            {"window": w, "when": describe_window(w)}
            for w in MaintenanceWindow.objects.for_tenant(tenant)
        ],
    }
