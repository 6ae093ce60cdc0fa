"""Turning a Calendar row into the pure BusinessCalendar, cached per (pk, revision).

The cache is per process (a BusinessCalendar also caches its own precomputed blocks, which is
where the speed is). A stale entry is impossible rather than unlikely: every change to a
calendar or its closure dates goes through a service that bumps `revision`, and the key
includes it. Old revisions simply age out of the LRU.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import TYPE_CHECKING

import holidays as holidays_lib

from .calendars import BusinessCalendar

if TYPE_CHECKING:
    from .models import Calendar

# Public holidays are generated for a fixed span of years so that a recompute gives the same
# answer whenever it runs (a span that slides with "today" would not be deterministic).
HOLIDAY_YEARS = range(2015, 2046)
_MAX_CACHED = 256
_cache: OrderedDict[tuple[int, int], BusinessCalendar] = OrderedDict()


@lru_cache(maxsize=64)
def public_holidays(country: str, subdivision: str = "") -> dict[date, str]:
    """Public holidays of a country (and subdivision) from the `holidays` package."""
    if not country:
        return {}
    found = holidays_lib.country_holidays(
        country, subdiv=subdivision or None, years=HOLIDAY_YEARS
    )
    return dict(found)


# Maintenance occurrences are closed time over the same fixed span (deterministic).
MAINTENANCE_SPAN = (
    datetime(HOLIDAY_YEARS.start, 1, 1, tzinfo=UTC),
    datetime(HOLIDAY_YEARS.stop, 1, 1, tzinfo=UTC),
)
ALWAYS_OPEN_WEEK = {i: ["00:00-24:00"] for i in range(7)}


def build_business_calendar(
    calendar: Calendar, closed: Iterable[tuple[datetime, datetime]] = ()
) -> BusinessCalendar:
    """`closed`: real spans subtracted on top (maintenance windows, when the tenant pauses
    clocks in them: an always-open calendar loses them too)."""
    closed = list(closed)
    if calendar.always_open:
        # 24/7 means every instant counts, holidays included (cloudops enterprise).
        if closed:
            return BusinessCalendar(calendar.time_zone, ALWAYS_OPEN_WEEK, closed=closed)
        return BusinessCalendar.always_open(calendar.time_zone)
    days = set(public_holidays(calendar.holiday_country, calendar.holiday_subdivision))
    if calendar.pk is not None:
        days.update(calendar.closures.values_list("date", flat=True))
    return BusinessCalendar(
        timezone=calendar.time_zone, weekly=calendar.weekly, holidays=days, closed=closed
    )


def maintenance_closed(calendar: Calendar) -> list[tuple[datetime, datetime]]:
    """The tenant's maintenance occurrences as closed time, when its setting pauses clocks in
    them (none otherwise). Cancelled windows are open again."""
    from .maintenance import WindowRule, merged, occurrences_of
    from .models import MaintenanceWindow, TenantSlaSettings

    tenant_id = calendar.tenant_id
    pauses = (
        TenantSlaSettings.objects.for_tenant(tenant_id)  # type: ignore[arg-type]
        .filter(pause_clocks_in_maintenance=True)
        .exists()
    )
    if not pauses:
        return []
    windows = MaintenanceWindow.objects.for_tenant(tenant_id).filter(  # type: ignore[arg-type]
        cancelled_at__isnull=True
    )
    rules = [WindowRule.of(w) for w in windows]
    return merged(occurrences_of(rules, *MAINTENANCE_SPAN))


def business_calendar_for(calendar: Calendar) -> BusinessCalendar:
    key = (calendar.pk or 0, calendar.revision)
    if calendar.pk is None:
        return build_business_calendar(calendar)
    found = _cache.get(key)
    if found is None:
        # The revision also covers maintenance: saving a window (or the setting) bumps the
        # revision of every calendar of the tenant.
        found = build_business_calendar(calendar, maintenance_closed(calendar))
        _cache[key] = found
        if len(_cache) > _MAX_CACHED:
            _cache.popitem(last=False)
    else:
        _cache.move_to_end(key)
    return found


def clear_cache() -> None:
    """For tests that rewrite rows behind the services' back."""
    _cache.clear()
