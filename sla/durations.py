"""Human-readable business durations for ledger notes and pages ("4h", "1h 30m", "27h")."""

from __future__ import annotations

from datetime import timedelta


def format_duration(value: timedelta | None) -> str:
    if value is None:
        return "—"
    negative = value < timedelta(0)
    total = int(abs(value).total_seconds())
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = []
    if hours:
        parts.append(f"{hours}h")
    if minutes:
        parts.append(f"{minutes}m")
    if seconds or not parts:
        parts.append(f"{seconds}s" if seconds else "0m")
    return ("-" if negative else "") + " ".join(parts)


def describe_target_duration(value: timedelta, *, always_open: bool) -> str:
    """A target for people: "4 business hours", "1 business hour", "1 h 30 min business time",
    "1 h 30 min (24/7)". Business time counts only while the calendar is open, so whole hours
    read as business hours; a 24/7 target says so."""
    total_minutes = int(value.total_seconds() // 60)
    hours, minutes = divmod(abs(total_minutes), 60)
    sign = "-" if total_minutes < 0 else ""
    if not always_open and hours and not minutes:
        return f"{sign}{hours} business hour{'' if hours == 1 else 's'}"
    parts = [f"{hours} h"] if hours else []
    if minutes or not parts:
        parts.append(f"{minutes} min")
    text = sign + " ".join(parts)
    return f"{text} (24/7)" if always_open else f"{text} business time"
