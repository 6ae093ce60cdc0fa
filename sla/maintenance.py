"""Maintenance windows as instants: the occurrences of a window's rule, in UTC. Pure (no ORM).

A recurring rule names weekdays, a local start and end time ("22:00"-"04:00": an end earlier
than the start ends the next day) and a zone; a one-off rule is one explicit span. An
occurrence is a half-open real span ``[start, end)``. Its bounds are the first instants at
which the local wall clock reads at least the rule's times on that local date, so that:

* across DST the window keeps its wall times (22:00 New York is 03:00 UTC in winter and 02:00
  UTC in summer), and a window spanning the change is an hour longer or shorter in real time;
* a bound inside a spring-forward gap (02:30 on a night that jumps from 02:00 to 03:00) is
  the moment of the jump, the first instant whose wall time is at or after it;
* a bound inside a fall-back fold (01:30 that occurs twice) is its first passage.

These are the same semantics as business intervals in :mod:`sla.calendars`, so subtracting
occurrences from a business calendar moves deadlines exactly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = ["Occurrence", "WindowRule", "merged", "occurrences", "wall_to_instant"]


@dataclass(frozen=True)
class WindowRule:
    """What `occurrences` needs of a MaintenanceWindow."""

    time_zone: str
    weekdays: tuple[int, ...] = ()
    starts: time | None = None
    ends: time | None = None
    one_off_start: datetime | None = None
    one_off_end: datetime | None = None
    active_from: datetime | None = None
    key: object = field(default=None, compare=False)  # the window's pk, carried along

    @classmethod
    def of(cls, window: object) -> WindowRule:
        return cls(
            time_zone=window.time_zone,  # type: ignore[attr-defined]
            weekdays=tuple(sorted(set(window.weekdays or ()))),  # type: ignore[attr-defined]
            starts=window.starts,  # type: ignore[attr-defined]
            ends=window.ends,  # type: ignore[attr-defined]
            one_off_start=window.one_off_start,  # type: ignore[attr-defined]
            one_off_end=window.one_off_end,  # type: ignore[attr-defined]
            active_from=window.active_from,  # type: ignore[attr-defined]
            key=window.pk,  # type: ignore[attr-defined]
        )


@dataclass(frozen=True, order=True)
class Occurrence:
    start: datetime  # UTC
    end: datetime  # UTC
    key: object = field(default=None, compare=False)

    @property
    def length(self) -> timedelta:
        return self.end - self.start


def _wall(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None, fold=0)


def wall_to_instant(wall: datetime, zone: ZoneInfo) -> datetime:
    """The first instant (UTC) at which the wall clock of `zone` reads at least `wall`."""
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if _wall(first, zone) == wall:
        return first  # exists; fold=0 is the earlier of two passages
    # In a gap: fold=1 maps (with the offset after the jump) before it, fold=0 after it.
    # Bisect to the second for the jump: the first instant whose wall time is >= `wall`.
    lo = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    hi = first
    if lo > hi:
        lo, hi = hi, lo
    lo_s, hi_s = int(lo.timestamp()), int(hi.timestamp()) + 1
    while lo_s < hi_s:
        mid = (lo_s + hi_s) // 2
        if _wall(datetime.fromtimestamp(mid, UTC), zone) >= wall:
            hi_s = mid
        else:
            lo_s = mid + 1
    return datetime.fromtimestamp(lo_s, UTC)


def occurrences(rule: WindowRule, start: datetime, end: datetime) -> list[Occurrence]:
    """The rule's occurrences overlapping ``[start, end)`` (aware datetimes), sorted, in UTC.

    An occurrence is listed whole even when it began before `start` or ends after `end`.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be timezone-aware")
    if end <= start:
        return []
    if rule.one_off_start is not None and rule.one_off_end is not None:
        s, e = rule.one_off_start.astimezone(UTC), rule.one_off_end.astimezone(UTC)
        return [Occurrence(s, e, rule.key)] if s < end and e > start and s < e else []
    if not rule.weekdays or rule.starts is None or rule.ends is None or rule.starts == rule.ends:
        return []
    zone = ZoneInfo(rule.time_zone)
    overnight = rule.ends <= rule.starts
    # Local dates whose occurrence can overlap: one day of slack each side covers any offset
    # and an overnight window that began the day before.
    first_day = start.astimezone(zone).date() - timedelta(days=1)
    last_day = end.astimezone(zone).date() + timedelta(days=1)
    found: list[Occurrence] = []
    day = first_day
    weekdays = set(rule.weekdays)
    while day <= last_day:
        if day.weekday() in weekdays:
            end_day = day + timedelta(days=1) if overnight else day
            s = wall_to_instant(datetime.combine(day, rule.starts), zone)
            e = wall_to_instant(datetime.combine(end_day, rule.ends), zone)
            if s < e and s < end and e > start and (
                rule.active_from is None or s >= rule.active_from
            ):
                found.append(Occurrence(s, e, rule.key))
        day += timedelta(days=1)
    return found


def occurrences_of(rules: Iterable[WindowRule], start: datetime, end: datetime) -> list[Occurrence]:
    """Every rule's occurrences overlapping ``[start, end)``, sorted by start."""
    found = [o for rule in rules for o in occurrences(rule, start, end)]
    found.sort()
    return found


def merged(spans: Iterable[Occurrence]) -> list[tuple[datetime, datetime]]:
    """Overlapping or touching spans joined: the closed time they make together."""
    out: list[tuple[datetime, datetime]] = []
    for o in sorted(spans):
        if out and o.start <= out[-1][1]:
            if o.end > out[-1][1]:
                out[-1] = (out[-1][0], o.end)
        else:
            out.append((o.start, o.end))
    return out


def local_day(instant: datetime, zone: str) -> date:
    return instant.astimezone(ZoneInfo(zone)).date()
