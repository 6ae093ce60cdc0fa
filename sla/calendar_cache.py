"""Turning a Calendar row into the pure BusinessCalendar, cached per (pk, revision).

The cache is per process (a BusinessCalendar also caches its own precomputed blocks, which is
where the speed is). A stale entry is impossible rather than unlikely: every change to a
calendar or its closure dates goes through a service that bumps `revision`, and the key
includes it. Old revisions simply age out of the LRU.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import date
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


def build_business_calendar(calendar: Calendar) -> BusinessCalendar:
    if calendar.always_open:
        # 24/7 means every instant counts, holidays included (cloudops enterprise).
        return BusinessCalendar.always_open(calendar.time_zone)
    closed = set(public_holidays(calendar.holiday_country, calendar.holiday_subdivision))
    if calendar.pk is not None:
        closed.update(calendar.closures.values_list("date", flat=True))
    return BusinessCalendar(timezone=calendar.time_zone, weekly=calendar.weekly, holidays=closed)


def business_calendar_for(calendar: Calendar) -> BusinessCalendar:
    key = (calendar.pk or 0, calendar.revision)
    if calendar.pk is None:
        return build_business_calendar(calendar)
    found = _cache.get(key)
    if found is None:
        found = build_business_calendar(calendar)
        _cache[key] = found
        if len(_cache) > _MAX_CACHED:
            _cache.popitem(last=False)
    else:
        _cache.move_to_end(key)
    return found


def clear_cache() -> None:
    """For tests that rewrite rows behind the services' back."""
    _cache.clear()
