"""Tests for sla.calendars: hand-checked examples plus property tests against the walker.

Django-free on purpose; run with
``python -m pytest -p no:django --noconftest -o addopts="" tests/sla/test_calendars.py``.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sla.calendars import (
    MAX_TARGET_SPAN,
    SEARCH_HORIZON,
    BusinessCalendar,
    CalendarHorizonExceeded,
    Interval,
    format_interval,
    parse_interval,
    validate_holidays,
    validate_timezone,
    validate_weekly,
)
from tests.sla.bruteforce import HourChunkWalker, Walker

NY = ZoneInfo("America/New_York")
H = timedelta(hours=1)
M = timedelta(minutes=1)
WEEKDAYS_9_18 = {i: ["09:00-18:00"] for i in range(5)}


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NY)


def z(name: str, *args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(name), fold=fold)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def same_instant(a: datetime, b: datetime) -> bool:
    return a == b  # aware comparison is by instant


# --------------------------------------------------------------------------- examples


@pytest.fixture(scope="module")
def office() -> BusinessCalendar:
    return BusinessCalendar("America/New_York", WEEKDAYS_9_18, holidays={date(2026, 11, 26)})


def test_friday_afternoon_rolls_to_monday_across_spring_forward(office: BusinessCalendar) -> None:
    # 2026-03-08 is the spring-forward Sunday in New York.
    got = office.add_business_time(ny(2026, 3, 6, 17), 2 * H)
    assert got == ny(2026, 3, 9, 10) == utc(2026, 3, 9, 14)
    assert got.tzinfo is UTC  # results are always in UTC
    assert office.business_time_between(ny(2026, 3, 6, 17), got) == 2 * H


def test_thanksgiving_is_skipped(office: BusinessCalendar) -> None:
    assert office.add_business_time(ny(2026, 11, 25, 17), 2 * H) == ny(2026, 11, 27, 10)
    assert office.business_time_between(ny(2026, 11, 26), ny(2026, 11, 27)) == timedelta(0)
    assert not office.is_open(ny(2026, 11, 26, 12))
    assert office.next_open(ny(2026, 11, 26, 12)) == ny(2026, 11, 27, 9)


def test_deadline_on_interval_end_is_that_end(office: BusinessCalendar) -> None:
    assert office.add_business_time(ny(2026, 11, 2, 9), 9 * H) == ny(2026, 11, 2, 18)
    assert office.add_business_time(ny(2026, 11, 2, 17), H) == ny(2026, 11, 2, 18)
    assert office.add_business_time(ny(2026, 11, 2, 17), H + timedelta(seconds=1)) == ny(
        2026, 11, 3, 9, 0, 1
    )
    # starting at the closing time (or at night) counts from the next opening
    assert office.add_business_time(ny(2026, 11, 2, 18), M) == ny(2026, 11, 3, 9, 1)
    assert office.add_business_time(ny(2026, 11, 2, 3), M) == ny(2026, 11, 2, 9, 1)


def test_is_open_and_next_open_bounds(office: BusinessCalendar) -> None:
    assert office.is_open(ny(2026, 11, 2, 9))
    assert office.is_open(ny(2026, 11, 2, 17, 59, 59))
    assert not office.is_open(ny(2026, 11, 2, 18))
    assert not office.is_open(ny(2026, 11, 7, 12))  # Saturday
    assert office.next_open(ny(2026, 11, 2, 12)) == ny(2026, 11, 2, 12)
    assert office.next_open(ny(2026, 11, 2, 18)) == ny(2026, 11, 3, 9)
    assert office.next_open(ny(2026, 11, 6, 18)) == ny(2026, 11, 9, 9)
    assert office.next_open(ny(2026, 11, 25, 18)) == ny(2026, 11, 27, 9)


def test_zero_duration_returns_start_even_when_closed(office: BusinessCalendar) -> None:
    start = ny(2026, 11, 7, 12)  # Saturday
    assert office.add_business_time(start, timedelta(0)) == start
    start_utc = utc(2026, 11, 7, 3, 4, 5, 6)
    got = office.add_business_time(ny(2026, 11, 7, 12, 0, 0, 6), timedelta(0))
    assert got == ny(2026, 11, 7, 12, 0, 0, 6) and got.tzinfo is UTC
    assert office.add_business_time(start_utc, timedelta(0)) == start_utc


def test_negative_duration_and_reverse_span(office: BusinessCalendar) -> None:
    with pytest.raises(ValueError, match="negative"):
        office.add_business_time(ny(2026, 11, 2, 9), -M)
    a, b = ny(2026, 11, 2, 10), ny(2026, 11, 3, 11)
    assert office.business_time_between(a, b) == 10 * H
    assert office.business_time_between(b, a) == -10 * H
    assert office.business_time_between(a, a) == timedelta(0)


def test_inputs_in_any_zone_results_in_utc(office: BusinessCalendar) -> None:
    start = utc(2026, 3, 6, 22)  # = 17:00 EST
    got = office.add_business_time(start, 2 * H)
    assert got == ny(2026, 3, 9, 10) and got.tzinfo is UTC
    tokyo = z("Asia/Tokyo", 2026, 3, 7, 7)  # the same instant again
    assert office.add_business_time(tokyo, 2 * H) == got


def test_microseconds_are_exact(office: BusinessCalendar) -> None:
    start = ny(2026, 11, 2, 9, 0, 0, 500_000)
    got = office.add_business_time(start, timedelta(seconds=1, microseconds=250_000))
    assert got == ny(2026, 11, 2, 9, 0, 1, 750_000)
    got = office.add_business_time(ny(2026, 11, 2, 17, 59, 59, 999_999), timedelta(microseconds=2))
    assert got == ny(2026, 11, 3, 9, 0, 0, 1)
    assert office.business_time_between(
        ny(2026, 11, 2, 17, 59, 59, 1), ny(2026, 11, 3, 9, 0, 0, 7)
    ) == (timedelta(microseconds=999_999 + 7))


def test_long_durations_cross_many_blocks(office: BusinessCalendar) -> None:
    start = ny(2025, 1, 6, 9)
    got = office.add_business_time(start, 9 * H * 5 * 52 * 3)
    assert office.business_time_between(start, got) == 9 * H * 5 * 52 * 3
    assert got.year == 2028 and office.is_open(got - timedelta(microseconds=1))


def test_always_open_is_wall_clock_elapsed_time() -> None:
    cal = BusinessCalendar.always_open("America/New_York")
    # spring forward: 12:00 EST + 24 h real = 13:00 EDT next day
    assert cal.add_business_time(ny(2026, 3, 7, 12), 24 * H) == ny(2026, 3, 8, 13)
    # fall back: 12:00 EDT + 24 h real = 11:00 EST next day
    assert cal.add_business_time(ny(2026, 10, 31, 12), 24 * H) == ny(2026, 11, 1, 11)
    assert cal.business_time_between(ny(2026, 11, 1), ny(2026, 11, 2)) == 25 * H
    assert cal.business_time_between(ny(2026, 3, 8), ny(2026, 3, 9)) == 23 * H
    assert cal.is_open(ny(2026, 3, 8, 3)) and cal.holidays == frozenset()
    assert BusinessCalendar.always_open().add_business_time(utc(2026, 1, 1), H) == utc(
        2026, 1, 1, 1
    )


def test_sunday_full_day_on_dst_sundays() -> None:
    cal = BusinessCalendar("America/New_York", {6: ["00:00-24:00"]})
    assert cal.business_time_between(ny(2026, 3, 8), ny(2026, 3, 9)) == 23 * H
    assert cal.business_time_between(ny(2026, 11, 1), ny(2026, 11, 2)) == 25 * H
    assert cal.business_time_between(ny(2026, 3, 2), ny(2026, 3, 16)) == 47 * H
    assert cal.add_business_time(ny(2026, 3, 8), 23 * H) == ny(2026, 3, 9)
    assert cal.add_business_time(ny(2026, 3, 8), 23 * H + timedelta(seconds=1)) == ny(
        2026, 3, 15, 0, 0, 1
    )
    assert cal.add_business_time(ny(2026, 11, 1), 25 * H) == ny(2026, 11, 2)
    # the repeated hour: 01:30 EDT then 01:30 EST
    assert cal.add_business_time(ny(2026, 11, 1), 90 * M) == utc(2026, 11, 1, 5, 30)
    got = cal.add_business_time(ny(2026, 11, 1), 150 * M)
    assert got == utc(2026, 11, 1, 6, 30)
    # PEP 495: == across zones is False for a datetime in the fold, hence UTC results
    assert got.timestamp() == z("America/New_York", 2026, 11, 1, 1, 30, fold=1).timestamp()
    assert got.astimezone(NY).fold == 1


def test_spring_forward_gap_interval_is_empty() -> None:
    gap = BusinessCalendar("America/New_York", {6: ["02:00-03:00"]})
    assert gap.business_time_between(ny(2026, 3, 7), ny(2026, 3, 9)) == timedelta(0)
    assert gap.business_time_between(ny(2026, 3, 14), ny(2026, 3, 16)) == H
    assert gap.next_open(ny(2026, 3, 7)) == ny(2026, 3, 15, 2)
    assert gap.add_business_time(ny(2026, 3, 7), M) == ny(2026, 3, 15, 2, 1)
    straddle = BusinessCalendar("America/New_York", {6: ["01:00-03:00"]})
    assert straddle.business_time_between(ny(2026, 3, 8), ny(2026, 3, 9)) == H
    assert straddle.add_business_time(ny(2026, 3, 8, 1, 30), 30 * M) == ny(2026, 3, 8, 3)
    assert straddle.add_business_time(ny(2026, 3, 8, 1, 30), 31 * M) == ny(2026, 3, 15, 1, 1)
    # an interval starting inside the gap starts when the wall clock first reads >= 02:30
    late = BusinessCalendar("America/New_York", {6: ["02:30-04:00"]})
    assert late.business_time_between(ny(2026, 3, 8), ny(2026, 3, 9)) == H
    assert late.next_open(ny(2026, 3, 8)) == ny(2026, 3, 8, 3)


def test_fall_back_repeated_wall_times_count_twice() -> None:
    fold = BusinessCalendar("America/New_York", {6: ["01:30-02:00"]})
    # 01:30-02:00 EDT (05:30-06:00 UTC) and 01:30-02:00 EST (06:30-07:00 UTC)
    assert fold.business_time_between(ny(2026, 11, 1), ny(2026, 11, 2)) == H
    assert fold.add_business_time(ny(2026, 11, 1), 30 * M) == utc(2026, 11, 1, 6)
    assert fold.add_business_time(ny(2026, 11, 1), 31 * M) == utc(2026, 11, 1, 6, 31)
    assert not fold.is_open(utc(2026, 11, 1, 6, 15))  # 01:15 EST, the wall clock went back
    assert fold.next_open(utc(2026, 11, 1, 6)) == utc(2026, 11, 1, 6, 30)
    wide = BusinessCalendar("America/New_York", {6: ["01:00-02:00"]})
    assert wide.business_time_between(ny(2026, 11, 1), ny(2026, 11, 2)) == 2 * H


def test_lord_howe_half_hour_shift() -> None:
    lh = "Australia/Lord_Howe"
    cal = BusinessCalendar(lh, {6: ["00:00-24:00"]})
    # 2026-04-05 02:00 (+11) -> 01:30 (+10:30); 2026-10-04 02:00 (+10:30) -> 02:30 (+11)
    assert cal.business_time_between(z(lh, 2026, 4, 5), z(lh, 2026, 4, 6)) == timedelta(hours=24.5)
    assert cal.business_time_between(z(lh, 2026, 10, 4), z(lh, 2026, 10, 5)) == timedelta(
        hours=23.5
    )
    assert cal.add_business_time(z(lh, 2026, 10, 4, 1), H) == z(lh, 2026, 10, 4, 2, 30)
    fold = BusinessCalendar(lh, {6: ["01:30-02:00"]})
    assert fold.business_time_between(z(lh, 2026, 4, 5), z(lh, 2026, 4, 6)) == H
    gap = BusinessCalendar(lh, {6: ["02:00-02:30"]})
    assert gap.business_time_between(z(lh, 2026, 10, 4), z(lh, 2026, 10, 5)) == timedelta(0)
    always = BusinessCalendar.always_open(lh)
    assert always.add_business_time(z(lh, 2026, 4, 4, 12), 24 * H) == z(lh, 2026, 4, 5, 11, 30)


def test_chatham_and_kolkata_offsets() -> None:
    ch = "Pacific/Chatham"
    # 2026-04-05 03:45 (+13:45) -> 02:45 (+12:45)
    sunday = BusinessCalendar(ch, {6: ["00:00-24:00"]})
    assert sunday.business_time_between(z(ch, 2026, 4, 5), z(ch, 2026, 4, 6)) == 25 * H
    kol = "Asia/Kolkata"
    cal = BusinessCalendar(kol, WEEKDAYS_9_18)
    got = cal.add_business_time(z(kol, 2026, 6, 5, 17), 2 * H)
    assert got == z(kol, 2026, 6, 8, 10) == utc(2026, 6, 8, 4, 30)
    assert cal.is_open(utc(2026, 6, 8, 3, 30)) and not cal.is_open(utc(2026, 6, 8, 3, 29, 59))


def test_overnight_shift_as_two_intervals() -> None:
    cal = BusinessCalendar("America/New_York", {0: ["22:00-24:00"], 1: ["00:00-04:00"]})
    assert cal.add_business_time(ny(2026, 6, 1, 23), 3 * H) == ny(2026, 6, 2, 2)
    assert cal.add_business_time(ny(2026, 6, 2, 3), 2 * H) == ny(2026, 6, 8, 23)
    assert cal.business_time_between(ny(2026, 6, 1), ny(2026, 6, 8)) == 6 * H
    assert cal.is_open(ny(2026, 6, 2, 0)) and not cal.is_open(ny(2026, 6, 2, 4))


def test_saturday_limited_hours() -> None:
    cal = BusinessCalendar(
        "America/New_York", {**{i: ["08:00-18:00"] for i in range(5)}, 5: ["09:00-13:00"]}
    )
    assert cal.add_business_time(ny(2026, 6, 5, 17), 3 * H) == ny(2026, 6, 6, 11)
    assert cal.add_business_time(ny(2026, 6, 6, 12), 2 * H) == ny(2026, 6, 8, 9)
    assert cal.add_business_time(ny(2026, 6, 6, 12), H) == ny(2026, 6, 6, 13)
    assert cal.business_time_between(ny(2026, 6, 1), ny(2026, 6, 8)) == 54 * H
    assert cal.weekly_open_time == 54 * H


def test_multiple_intervals_per_day_and_lunch_break() -> None:
    cal = BusinessCalendar("Europe/London", {0: ["09:00-12:00", "13:00-17:30"]})
    ldn = "Europe/London"
    assert cal.add_business_time(z(ldn, 2026, 6, 1, 11), 2 * H) == z(ldn, 2026, 6, 1, 14)
    assert cal.add_business_time(z(ldn, 2026, 6, 1, 11), H) == z(ldn, 2026, 6, 1, 12)


def test_huge_holiday_set_is_bounded() -> None:
    mondays = {date(2025, 1, 6) + timedelta(weeks=k) for k in range(520)}
    cal = BusinessCalendar("America/New_York", {0: ["09:00-10:00"]}, holidays=mondays)
    first_free = date(2025, 1, 6) + timedelta(weeks=520)
    got = cal.add_business_time(ny(2025, 1, 1), M)
    assert got == datetime.combine(first_free, time(9, 1), NY)
    assert cal.next_open(ny(2025, 1, 1)) == datetime.combine(first_free, time(9), NY)


def test_block_boundaries_against_walker() -> None:
    """Results are stitched across the internal 28-day blocks: probe around their edges."""
    from sla.calendars import _BLOCK_S

    for zone, weekly in [
        ("UTC", {i: ["00:00-24:00"] for i in range(7)}),
        ("America/New_York", WEEKDAYS_9_18),
        ("Asia/Kolkata", {3: ["00:00-24:00"], 4: ["00:00-06:00"]}),
        ("Pacific/Chatham", {0: ["22:00-24:00"], 1: ["00:00-04:00"], 3: ["05:00-17:30"]}),
    ]:
        cal = BusinessCalendar(zone, weekly)
        walker = Walker(zone, weekly)
        first = YEAR_START // _BLOCK_S + 1
        for b in range(first, first + 24, 3):
            edge = b * _BLOCK_S
            for start in (edge - 3600, edge - 1, edge, edge + 1):
                at = datetime.fromtimestamp(start, UTC)
                assert cal.is_open(at) == walker.member(start)
                assert epoch(cal.next_open(at)) == walker.next_open(start)
                for d in (1, 1800, 4 * 3600 + 7):
                    got = epoch(cal.add_business_time(at, timedelta(seconds=d)))
                    assert got == walker.add(start, d)
                    assert cal.business_time_between(at, at + timedelta(seconds=d)) == (
                        timedelta(seconds=walker.between(start, start + d))
                    )


# --------------------------------------------------------------------------- validation


def test_naive_datetimes_rejected(office: BusinessCalendar) -> None:
    naive = datetime(2026, 11, 2, 9)
    with pytest.raises(ValueError, match="naive"):
        office.add_business_time(naive, H)
    with pytest.raises(ValueError, match="naive"):
        office.business_time_between(ny(2026, 11, 2, 9), naive)
    with pytest.raises(ValueError, match="naive"):
        office.is_open(naive)
    with pytest.raises(ValueError, match="naive"):
        office.next_open(naive)
    with pytest.raises(TypeError):
        office.add_business_time(date(2026, 11, 2), H)  # type: ignore[arg-type]


def test_empty_week_rejected() -> None:
    for weekly in ({}, {0: []}, {i: None for i in range(7)}):
        with pytest.raises(ValueError, match="calendar has no open time"):
            BusinessCalendar("UTC", weekly)
    assert validate_weekly({}, allow_empty=True)[0] == ()


@pytest.mark.parametrize(
    ("weekly", "message"),
    [
        ({0: ["09:00-25:00"]}, "Monday.*hour"),
        ({0: ["25:00-26:00"]}, "hour"),
        ({1: ["09:60-10:00"]}, "Tuesday.*minutes"),
        ({2: ["10:00-09:00"]}, "Wednesday.*end must be after"),
        ({2: ["10:00-10:00"]}, "end must be after"),
        ({3: ["24:00-24:00"]}, "only allowed as the end"),
        ({4: ["9-17"]}, "Friday.*not a time"),
        ({4: ["09:00"]}, "not an interval"),
        ({5: ["09:00-12:00", "11:00-13:00"]}, "Saturday: intervals 09:00-12:00 and 11:00-13:00"),
        ({6: [42]}, "Sunday.*not an interval"),
        ({7: ["09:00-10:00"]}, "outside 0"),
        ({-1: ["09:00-10:00"]}, "outside 0"),
        ({"funday": ["09:00-10:00"]}, "weekday key"),
        ({0: ["09:00-10:00"], "0": ["11:00-12:00"]}, "more than once"),
    ],
)
def test_bad_weekly_rejected(weekly: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_weekly(weekly)
    with pytest.raises(ValueError, match=message):
        BusinessCalendar("UTC", weekly)


def test_weekly_normalisation_and_parse_interval() -> None:
    norm = validate_weekly(
        {"1": "13:00-17:00", "mon": ["12:00-24:00", (time(8), time(12))], 6: None}
    )
    assert norm[0] == (Interval(8 * 3600, 12 * 3600), Interval(12 * 3600, 86400))
    assert norm[1] == (Interval(13 * 3600, 17 * 3600),)
    assert norm[6] == () and set(norm) == set(range(7))
    assert parse_interval(" 9:05 - 17:30:15 ") == Interval(9 * 3600 + 300, 17 * 3600 + 1815)
    assert parse_interval((time(22), time(0))) == Interval(22 * 3600, 86400)
    assert str(parse_interval("22:00-24:00")) == "22:00-24:00"
    assert format_interval((0, 86400)) == "00:00-24:00"
    with pytest.raises(ValueError, match="overnight"):
        parse_interval("22:00-04:00")


def test_bad_timezone_and_holidays_rejected() -> None:
    for bad in ("Mars/Olympus_Mons", "", "../etc/passwd", "America"):
        with pytest.raises(ValueError, match="unknown time zone"):
            BusinessCalendar(bad, WEEKDAYS_9_18)
    assert validate_timezone("Asia/Kolkata") == ZoneInfo("Asia/Kolkata")
    with pytest.raises(ValueError, match="not a YYYY-MM-DD date"):
        validate_holidays(["2026-13-01"])
    with pytest.raises(ValueError, match="not a date"):
        validate_holidays([20260101])
    with pytest.raises(ValueError, match="not a datetime"):
        validate_holidays([datetime(2026, 1, 1)])
    assert validate_holidays(["2026-01-01", date(2026, 1, 2)]) == {
        date(2026, 1, 1),
        date(2026, 1, 2),
    }


def test_holidays_package_object_accepted() -> None:
    holidays = pytest.importorskip("holidays")
    us = holidays.country_holidays("US", years=range(2025, 2028))
    cal = BusinessCalendar("America/New_York", WEEKDAYS_9_18, holidays=us)
    assert date(2026, 11, 26) in cal.holidays and date(2026, 7, 3) in cal.holidays
    assert cal.sorted_holidays[0] == date(2025, 1, 1)
    assert cal.add_business_time(ny(2026, 7, 2, 17), 2 * H) == ny(2026, 7, 6, 10)


def test_equality_hash_repr() -> None:
    a = BusinessCalendar("UTC", {0: ["09:00-10:00"]}, [date(2026, 1, 1)])
    b = BusinessCalendar("UTC", {"mon": "09:00-10:00"}, {"2026-01-01"})
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a != BusinessCalendar("UTC", {0: ["09:00-10:00"]})
    assert "09:00-10:00" in repr(a) and "'UTC'" in repr(a)


# --------------------------------------------------------------------------- properties

ZONES = [
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "Asia/Kolkata",
]
# Local minutes around each zone's DST changes (all on Sundays): gap and fold edges and
# points strictly inside them, so that intervals starting/ending inside a repeated or a
# skipped stretch are common. Kolkata has no DST (odd offset only).
SPECIAL_MINUTES = {
    "America/New_York": [60, 90, 120, 150, 180],
    "Europe/London": [60, 75, 90, 120],
    "Australia/Lord_Howe": [90, 105, 120, 135, 150],
    "Pacific/Chatham": [165, 180, 195, 225, 240],
    "Asia/Kolkata": [0, 1440],
}
YEAR_START = int(utc(2025, 1, 1).timestamp())
YEAR_END = int(utc(2028, 1, 1).timestamp())


@functools.cache
def transitions(zone: str) -> tuple[int, ...]:
    """UTC seconds (to the half hour) of the zone's offset changes in 2025-2027."""
    tz = ZoneInfo(zone)
    found = []
    prev = datetime.fromtimestamp(YEAR_START, tz).utcoffset()
    for t in range(YEAR_START, YEAR_END, 1800):
        off = datetime.fromtimestamp(t, tz).utcoffset()
        if off != prev:
            found.append(t)
            prev = off
    return tuple(found) or (YEAR_START + 200 * 86400,)


def spread(low: int, high: int) -> st.SearchStrategy[int]:
    """Integers in [low, high] spread evenly (plain st.integers favours small values)."""
    return st.tuples(st.integers(0, 99), st.integers(0, 99), st.integers(0, 99)).map(
        lambda abc: low + (abc[0] * 10_000 + abc[1] * 100 + abc[2]) * (high - low) // 999_999
    )


@st.composite
def day_intervals(draw: st.DrawFn, special: list[int]) -> list[tuple[int, int]]:
    n = draw(st.integers(0, 3))
    points = st.one_of(
        st.sampled_from([0, 1440, *special]), st.integers(0, 96).map(lambda q: q * 15)
    )
    chosen = sorted(draw(st.sets(points, min_size=2 * n, max_size=2 * n)))
    return [(chosen[2 * i], chosen[2 * i + 1]) for i in range(n)]


@st.composite
def weeklies(draw: st.DrawFn, zone: str = "UTC") -> dict[int, list[str]]:
    special = SPECIAL_MINUTES.get(zone, [])
    days = {d: draw(day_intervals(special)) for d in range(7)}
    if special and draw(st.booleans()):  # Sunday intervals with bounds inside gap/fold
        a, b = sorted(draw(st.sets(st.sampled_from([0, *special, 1440]), min_size=2, max_size=2)))
        days[6] = [(a, b)] + [iv for iv in days[6] if iv[0] >= b]
    if draw(st.booleans()):  # a shift spanning midnight, as two intervals
        d = draw(st.integers(0, 6))
        days[d] = [iv for iv in days[d] if iv[1] <= 22 * 60] + [(22 * 60, 1440)]
        days[(d + 1) % 7] = [(0, 4 * 60)] + [iv for iv in days[(d + 1) % 7] if iv[0] >= 4 * 60]
    assume(any(days.values()))

    return {d: [f"{hhmm(a)}-{hhmm(b)}" for a, b in ivs] for d, ivs in days.items() if ivs}


def hhmm(m: int) -> str:
    return f"{m // 60:02d}:{m % 60:02d}"


@st.composite
def instants(draw: st.DrawFn, zone: str) -> int:
    if draw(st.integers(0, 3)):
        centre = draw(st.sampled_from(transitions(zone)))
        return centre + draw(spread(-4 * 86400, 86400))
    return draw(st.integers(YEAR_START, YEAR_END))


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[str, dict[int, list[str]], frozenset[date], int]:
    zone = draw(st.sampled_from(ZONES))
    weekly = draw(weeklies(zone))
    start = draw(instants(zone))
    base = datetime.fromtimestamp(start, UTC).date()
    offsets = draw(st.sets(st.integers(-3, 30), max_size=6))
    hol = {base + timedelta(days=k) for k in offsets}
    if draw(st.integers(0, 4)) == 0:  # a long closure
        first = draw(st.integers(-3, 20))
        hol |= {base + timedelta(days=first + k) for k in range(draw(st.integers(1, 15)))}
    return zone, weekly, frozenset(hol), start


def weekly_seconds(weekly: dict[int, list[str]]) -> int:
    total = 0
    for items in weekly.values():
        for item in items:
            a, b = item.split("-")
            ha, ma = a.split(":")
            hb, mb = b.split(":")
            total += (int(hb) * 60 + int(mb) - int(ha) * 60 - int(ma)) * 60
    return total


def to_dt(t: int, zone: str, in_utc: bool) -> datetime:
    return datetime.fromtimestamp(t, UTC if in_utc else ZoneInfo(zone))


def epoch(dt: datetime) -> int:
    whole = dt.replace(microsecond=0)
    assert whole == dt
    return int(dt.timestamp())


WALKER_SETTINGS = settings(
    max_examples=70, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@WALKER_SETTINGS
@given(scenario=scenarios(), data=st.data(), in_utc=st.booleans())
def test_add_matches_walker(scenario: tuple, data: st.DataObject, in_utc: bool) -> None:
    zone, weekly, hol, start = scenario
    week = weekly_seconds(weekly)
    duration = data.draw(
        st.one_of(st.integers(1, 4 * 3600), spread(60, 3 * week)),
        label="duration",
    )
    cal = BusinessCalendar(zone, weekly, hol)
    walker = Walker(zone, weekly, hol)
    start_dt = to_dt(start, zone, in_utc)
    got = cal.add_business_time(start_dt, timedelta(seconds=duration))
    expected = walker.add(start, duration)
    assert epoch(got) == expected
    assert got.tzinfo is UTC
    # round trip, and the deadline is an open instant or the end of an open stretch
    assert cal.business_time_between(start_dt, got) == timedelta(seconds=duration)
    assert walker.member(expected - 1)
    assert cal.is_open(got - timedelta(microseconds=1))
    assert cal.add_business_time(start_dt, timedelta(0)).timestamp() == start_dt.timestamp()


@WALKER_SETTINGS
@given(scenario=scenarios(), data=st.data())
def test_between_matches_walker(scenario: tuple, data: st.DataObject) -> None:
    zone, weekly, hol, start = scenario
    end = start + data.draw(spread(-8 * 86400, 22 * 86400), label="span")
    cal = BusinessCalendar(zone, weekly, hol)
    walker = Walker(zone, weekly, hol)
    got = cal.business_time_between(to_dt(start, zone, True), to_dt(end, zone, False))
    assert got == timedelta(seconds=walker.between(start, end))


@settings(max_examples=100, deadline=None)
@given(scenario=scenarios())
def test_is_open_and_next_open_match_walker(scenario: tuple) -> None:
    zone, weekly, hol, start = scenario
    cal = BusinessCalendar(zone, weekly, hol)
    walker = Walker(zone, weekly, hol)
    at = to_dt(start, zone, False)
    assert cal.is_open(at) == walker.member(start)
    nxt = cal.next_open(at)
    assert epoch(nxt) == walker.next_open(start)
    assert cal.is_open(nxt)
    if epoch(nxt) != start:
        assert not cal.is_open(nxt - timedelta(microseconds=1))


@settings(max_examples=120, deadline=None)
@given(
    scenario=scenarios(),
    d1=st.integers(0, 30 * 86400 * 1_000_000),
    d2=st.integers(0, 30 * 86400 * 1_000_000),
    micro=st.integers(0, 999_999),
)
def test_monotone_and_round_trip(scenario: tuple, d1: int, d2: int, micro: int) -> None:
    zone, weekly, hol, start = scenario
    cal = BusinessCalendar(zone, weekly, hol)
    start_dt = to_dt(start, zone, False).replace(microsecond=micro)
    lo, hi = sorted((d1, d2))
    r_lo = cal.add_business_time(start_dt, timedelta(microseconds=lo))
    r_hi = cal.add_business_time(start_dt, timedelta(microseconds=hi))
    assert r_lo <= r_hi
    assert cal.business_time_between(start_dt, r_hi) == timedelta(microseconds=hi)
    assert cal.business_time_between(r_hi, start_dt) == -timedelta(microseconds=hi)
    assert cal.business_time_between(r_lo, r_hi) == timedelta(microseconds=hi - lo)
    if hi:
        assert cal.is_open(r_hi - timedelta(microseconds=1))
        assert r_hi > start_dt


@settings(max_examples=100, deadline=None)
@given(
    zone=st.sampled_from([*ZONES, "UTC", "Asia/Phnom_Penh"]),
    start=st.integers(YEAR_START, YEAR_END),
    duration=st.integers(0, 400 * 86400 * 1_000_000),
)
def test_always_open_equals_elapsed_time(zone: str, start: int, duration: int) -> None:
    cal = BusinessCalendar.always_open(zone)
    start_dt = to_dt(start, zone, False)
    d = timedelta(microseconds=duration)
    assert cal.add_business_time(start_dt, d) == start_dt.astimezone(UTC) + d
    assert cal.business_time_between(start_dt, start_dt.astimezone(UTC) + d) == d
    assert cal.is_open(start_dt)


@settings(max_examples=120, deadline=None)
@given(data=st.data())
def test_dst_night_intervals_match_walker(data: st.DataObject) -> None:
    """Intervals whose bounds sit in, at or around a gap or a fold, on the change night."""
    zone = data.draw(st.sampled_from(ZONES[:4]), label="zone")
    bounds = st.sampled_from([0, *SPECIAL_MINUTES[zone], 1440])
    a, b = sorted(data.draw(st.sets(bounds, min_size=2, max_size=2), label="interval"))
    weekly = {6: [f"{hhmm(a)}-{hhmm(b)}"]}
    if data.draw(st.booleans(), label="saturday night too"):
        weekly[5] = ["22:00-24:00"]
    change = data.draw(st.sampled_from(transitions(zone)), label="change")
    start = change - data.draw(st.integers(0, 30 * 3600), label="before")
    end = change + 30 * 3600
    cal, walker = BusinessCalendar(zone, weekly), Walker(zone, weekly)
    start_dt, end_dt = to_dt(start, zone, False), to_dt(end, zone, True)
    total = walker.between(start, end)
    assert cal.business_time_between(start_dt, end_dt) == timedelta(seconds=total)
    if total:
        d = data.draw(st.integers(1, total), label="duration")
        assert epoch(cal.add_business_time(start_dt, timedelta(seconds=d))) == walker.add(start, d)
    at = change + data.draw(st.integers(-3 * 3600, 3 * 3600), label="at")
    assert cal.is_open(to_dt(at, zone, False)) == walker.member(at)
    if total:
        assert epoch(cal.next_open(to_dt(at, zone, True))) == walker.next_open(at)


@settings(max_examples=40, deadline=None)
@given(scenario=scenarios(), data=st.data())
def test_minute_walker_agrees_with_second_walker(scenario: tuple, data: st.DataObject) -> None:
    """The minute walker's whole-minute assumption, checked on short spans."""
    zone, weekly, hol, start = scenario
    span = data.draw(st.integers(0, 3 * 3600), label="span")
    minute, second = Walker(zone, weekly, hol), Walker(zone, weekly, hol, step=1)
    assert minute.between(start, start + span) == second.between(start, start + span)
    dur = data.draw(st.integers(1, 1800), label="dur")
    if second.between(start, start + 4 * 3600) >= dur:
        assert minute.add(start, dur) == second.add(start, dur)


@settings(max_examples=40, deadline=None)
@given(scenario=scenarios(), data=st.data())
def test_hour_chunk_walker_agrees_with_minute_walker(scenario: tuple, data: st.DataObject) -> None:
    """The benchmark checks all its cases with HourChunkWalker: validate it here."""
    zone, weekly, hol, start = scenario
    minute, chunk = Walker(zone, weekly, hol), HourChunkWalker(zone, weekly, hol)
    span = data.draw(spread(0, 10 * 86400), label="span")
    assert chunk.between(start, start + span) == minute.between(start, start + span)
    dur = data.draw(spread(1, weekly_seconds(weekly)), label="dur")
    assert chunk.add(start, dur) == minute.add(start, dur)


# --------------------------------------------------------------------------- search horizon

HORIZON_BLOCKS_MAX = SEARCH_HORIZON // timedelta(days=28) + 3  # blocks a search may compute


def test_a_second_a_week_and_100000_hours_is_refused_at_once() -> None:
    """Issue #8 item 4: this walked to the year 9999 (25 s) and raised OverflowError."""
    cal = BusinessCalendar("UTC", {0: ["09:00:00-09:00:01"]})
    with pytest.raises(CalendarHorizonExceeded, match="100,000 hours"):
        cal.add_business_time(utc(2026, 1, 1), timedelta(hours=100_000))
    assert len(cal._blocks) <= 1  # refused from the weekly open time, before any walk


def test_a_calendar_closed_for_longer_than_the_horizon_stops_at_it() -> None:
    mondays = {date(2026, 1, 5) + timedelta(weeks=k) for k in range(600)}  # 11.5 years
    cal = BusinessCalendar("America/New_York", {0: ["09:00-10:00"]}, holidays=mondays)
    with pytest.raises(CalendarHorizonExceeded):
        cal.add_business_time(ny(2026, 1, 1), M)
    with pytest.raises(CalendarHorizonExceeded, match="an open instant"):
        cal.next_open(ny(2026, 1, 1))
    assert len(cal._blocks) <= HORIZON_BLOCKS_MAX


def test_the_longest_allowed_target_fits_in_the_horizon() -> None:
    assert MAX_TARGET_SPAN * 2 <= SEARCH_HORIZON
    always = BusinessCalendar.always_open("UTC")
    start = utc(2026, 3, 1)
    assert always.add_business_time(start, SEARCH_HORIZON) == start + SEARCH_HORIZON
    with pytest.raises(CalendarHorizonExceeded):
        always.add_business_time(start, SEARCH_HORIZON + timedelta(microseconds=1))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios(), data=st.data())
def test_horizon_refuses_exactly_what_lies_beyond_it(scenario: tuple, data: st.DataObject) -> None:
    """Either the deadline is within the horizon and exact, or there is less business time in
    the whole horizon than asked for; a refused search computes a bounded number of blocks."""
    zone, weekly, hol, start = scenario
    cal = BusinessCalendar(zone, weekly, hol)
    start_dt = to_dt(start, zone, True)
    room = cal.business_time_between(start_dt, start_dt + SEARCH_HORIZON)
    week = weekly_seconds(weekly)
    delta = data.draw(st.integers(-3 * week, 3 * week), label="delta")
    duration = max(timedelta(seconds=1), room + timedelta(seconds=delta))
    fresh = BusinessCalendar(zone, weekly, hol)  # counts the blocks this one search computes
    try:
        got = fresh.add_business_time(start_dt, duration)
    except CalendarHorizonExceeded:
        assert duration > room
    else:
        assert duration <= room
        assert got - start_dt <= SEARCH_HORIZON
        assert cal.business_time_between(start_dt, got) == duration
    assert len(fresh._blocks) <= HORIZON_BLOCKS_MAX


@settings(max_examples=60, deadline=None)
@given(
    seconds_a_week=st.integers(1, 7 * 86400),
    hours=st.integers(1, 200_000),
    start=st.integers(YEAR_START, YEAR_END),
)
def test_long_targets_on_sparse_calendars_never_walk_far(
    seconds_a_week: int, hours: int, start: int
) -> None:
    """Whatever a form lets through, a search computes at most the horizon's blocks."""
    days, rest = divmod(seconds_a_week, 86400)
    weekly = {d: ["00:00-24:00"] for d in range(days)}
    if rest:
        weekly[days] = [f"00:00-{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"]
    cal = BusinessCalendar("UTC", weekly)
    start_dt = datetime.fromtimestamp(start, UTC)
    try:
        got = cal.add_business_time(start_dt, timedelta(hours=hours))
    except CalendarHorizonExceeded:
        pass
    else:
        assert got - start_dt <= SEARCH_HORIZON
    assert len(cal._blocks) <= HORIZON_BLOCKS_MAX
