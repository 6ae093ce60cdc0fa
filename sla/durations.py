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
