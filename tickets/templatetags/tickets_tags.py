"""Display helpers: instants in the reader's zone, and the SLA promise in words."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django import template

from sla.durations import format_duration

register = template.Library()


@register.filter
def in_zone(value: datetime | None, zone: str) -> str:
    """`Tue 26 May, 11:00` in `zone` (the caller shows the zone's name next to it)."""
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(zone)).strftime("%a %-d %b, %H:%M")


@register.filter
def iso(value: datetime | None) -> str:
    return value.isoformat() if value is not None else ""


@register.filter
def duration(value: timedelta | None) -> str:
    """A business duration as people read it: "4h", "1h 30m"."""
    return format_duration(value)
