"""What the public policy page shows, read from the same rows that drive the clocks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from .calendar_cache import public_holidays
from .calendars import DAY_NAMES, validate_weekly
from .durations import format_duration
from .exclusions import exclusions
from .models import (
    Calendar,
    Channel,
    MaintenanceWindow,
    Metric,
    Plan,
    SectionKey,
    SupportPolicy,
)
from .selectors import plans_with_targets, policy_scheduled, policy_sections, priorities

if TYPE_CHECKING:
    from tenants.models import Tenant

HOLIDAY_HORIZON = timedelta(days=365)

# Apps above sla add to the page through this registry (sla imports none of them): a provider
# takes the tenant and returns context values under `extras`. Registered in AppConfig.ready.
# Keys read by templates/policy/page.html:
#   "knowledge_base": {"url": str, "articles": int (optional)} when the tenant has published
#       articles; absent means the page promises no knowledge base (kb registers it:
#       kb.selectors.policy_page_knowledge_base).
PolicyPageExtra = Callable[["Tenant"], dict[str, Any]]
_EXTRAS: list[PolicyPageExtra] = []


def policy_page_extra_register(provider: PolicyPageExtra) -> None:
    if provider not in _EXTRAS:
        _EXTRAS.append(provider)


def policy_page_extras(*, tenant: Tenant) -> dict[str, Any]:
    extras: dict[str, Any] = {}
    for provider in _EXTRAS:
        extras.update(provider(tenant) or {})
    return extras


@dataclass
class ChannelRow:
    key: str
    label: str
    address: str  # the tenant's inbound address for email; "" where it is given in prose
    plans: str  # "all plans" or "Premium plan only"


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
    """ "Saturday and Sunday, 22:00–04:00 (ending the next day) America/New_York", or a one-off
    window's dates in its zone."""
    if window.one_off_start is not None and window.one_off_end is not None:
        zone = ZoneInfo(window.time_zone)
        start, end = window.one_off_start.astimezone(zone), window.one_off_end.astimezone(zone)
        return f"{start:%a %d %b %Y %H:%M}–{end:%a %d %b %Y %H:%M} {window.time_zone}"
    span = f"{window.starts:%H:%M}–{window.ends:%H:%M}"
    if window.ends <= window.starts:
        span += " (ending the next day)"
    days = describe_days(window.weekdays)
    return f"{days}, {span} {window.time_zone}" if days else f"{span} {window.time_zone}"


OBSERVED = " (observed)"


def upcoming_holidays(calendar: Calendar, today: date) -> list[tuple[date, str]]:
    """The days this calendar is closed for a holiday, each listed once.

    A holiday on a weekend is observed on a working day (Independence Day on Saturday 4 July
    2026 is observed on Friday 3 July): only the observed day is listed, under the observed
    name, since that is the day the clocks stop.
    """
    if calendar.always_open:
        return []
    end = today + HOLIDAY_HORIZON
    found = {
        day: name
        for day, name in public_holidays(
            calendar.holiday_country, calendar.holiday_subdivision
        ).items()
        if today - timedelta(days=7) <= day <= end + timedelta(days=7)
    }
    observed = {
        (name.removesuffix(OBSERVED), day) for day, name in found.items() if name.endswith(OBSERVED)
    }
    weekly = validate_weekly(calendar.weekly, allow_empty=True)
    for day, name in list(found.items()):
        if name.endswith(OBSERVED) or weekly[day.weekday()]:
            continue  # a holiday on a day we would be open is a closure: listed
        # The actual date of a holiday observed on another day nearby is not a closure to list.
        if any(n == name and abs((d - day).days) <= 3 for n, d in observed):
            del found[day]
    found = {day: name for day, name in found.items() if today <= day <= end}
    for closure in calendar.closures.all():
        if today <= closure.date <= end:
            found[closure.date] = closure.name or "Closed"
    return sorted(found.items())


def policy_page_context(
    *, tenant: Tenant, now: datetime, extras: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Everything the page shows. `extras` are facts of apps above sla (policy_page_extras)."""
    extras = extras or {}
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
    shown_metrics = [(m, label) for m, label in Metric.choices if m in metrics_used]
    priority_rows = priorities(tenant=tenant)
    for row in rows:
        row.table = [
            (p, [row.cells.get(p.pk, {}).get(m, "—") for m, _ in shown_metrics])
            for p in priority_rows
        ]
    in_use = sorted(calendars.values(), key=lambda c: (c.always_open, c.name))
    zone = in_use[0].as_business_calendar().timezone if in_use else now.tzinfo
    today = now.astimezone(zone).date()
    sections = [
        {"section": s, "blocks": text_blocks(s.body)} for s in policy_sections(tenant=tenant)
    ]
    maintenance = [
        {"window": w, "when": describe_window(w)}
        for w in MaintenanceWindow.objects.for_tenant(tenant)
        .filter(cancelled_at__isnull=True)
        .exclude(one_off_end__lte=now)
    ]
    calendars_shown = [
        {"calendar": c, "hours": describe_hours(c), "holidays": upcoming_holidays(c, today)}
        for c in in_use
    ]
    channels = channel_rows(tenant=tenant, plans=[r.plan for r in rows])
    exclusions = exclusion_items(tenant=tenant, sections=sections)
    generated = {
        SectionKey.CHANNELS: bool(channels or calendars_shown),
        SectionKey.RESPONSE_TIMES: bool(rows),
        SectionKey.POLICY_UPDATES: bool(rows),
        SectionKey.AVAILABILITY: bool(maintenance) or any(c["holidays"] for c in calendars_shown),
        SectionKey.EXCLUSIONS: bool(exclusions),
        SectionKey.CONTACT: bool(tenant.inbound_email),
        SectionKey.TRAINING: bool(extras.get("knowledge_base")),
    }
    shown, silent = [], []
    for item in sections:
        key = item["section"].key
        if item["blocks"] or generated.get(key):
            shown.append(item)
        else:
            silent.append(item["section"].title)
    contact_body = " ".join(
        i["section"].body for i in sections if i["section"].key == SectionKey.CONTACT
    )
    return {
        "plans": rows,
        "priorities": priority_rows,
        "metrics": shown_metrics,
        "calendars": calendars_shown,
        "sections": shown,
        # Sections with nothing specific to say are named once, together, at the end.
        "silent_sections": silent,
        "maintenance": maintenance,
        "channels": channels,
        "exclusions": exclusions,
        "extras": extras,
        # The Contact section adds the inbound address unless its text already gives it.
        "contact_email": ""
        if tenant.inbound_email.lower() in contact_body.lower()
        else tenant.inbound_email,
    }


def channel_rows(*, tenant: Tenant, plans: list[Plan]) -> list[ChannelRow]:
    """The channels the plans offer, once each, with who has them and where to write.

    Email's address is the tenant's inbound address: the one the helpdesk receives mail on,
    so the address the page gives is the address that opens tickets. What is promised about
    each channel (e.g. acknowledgements) is the section's prose, said once.
    """
    labels = dict(Channel.choices)
    order: list[str] = []
    for plan in plans:
        order.extend(c for c in plan.channels if c not in order)
    result = []
    for key in order:
        having = [p.name for p in plans if key in p.channels]
        if len(having) == len(plans):
            who = "all plans" if len(plans) > 1 else ""
        else:
            who = " and ".join(having) + (" plan only" if len(having) == 1 else " plans only")
        address = tenant.inbound_email if key == Channel.EMAIL else ""
        result.append(ChannelRow(key, labels.get(key, key), address, who))
    return result


def exclusion_items(*, tenant: Tenant, sections: list[dict[str, Any]]) -> list[str]:
    """What support does not cover, as list items: the tenant's exclusions (the same rows an
    agent cites closing a ticket as out of scope), or the Exclusions section's list for a
    tenant that keeps none as rows."""
    rows = [exclusion.text for exclusion in exclusions(tenant=tenant)]
    if rows:
        return rows
    items: list[str] = []
    for item in sections:
        if item["section"].key != SectionKey.EXCLUSIONS:
            continue
        for kind, content in item["blocks"]:
            if kind == "ul":
                items.extend(content)
    return items
