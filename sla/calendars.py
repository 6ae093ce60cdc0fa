"""Business-hours calendars: deadlines exact to the microsecond, in every time zone.

Pure Python, no database and no Django imports: the model and form layers build a
:class:`BusinessCalendar` from stored settings and call it.

Semantics
---------
*Business time* is the measure of the set of real instants whose **local wall time** (in
the calendar's zone, as ``zoneinfo`` computes it) falls inside one of the weekday's
intervals, on a local date that is not a holiday. Every interval is half-open,
``[start, end)``. Consequences:

* a DST day counts its real length: ``00:00-24:00`` on a fall-back day is 25 h, on a
  spring-forward day 23 h; ``01:00-03:00`` on New York's spring-forward night is 1 h of
  real time and ``02:00-03:00`` that night is empty;
* a wall time that occurs twice (the fall-back hour) counts twice when it is inside an
  interval, so ``01:30-02:00`` on New York's fall-back night is two real half hours;
* any offset works (half-hour DST shifts on Lord Howe, +12:45/+13:45 on Chatham, +05:30).

Conventions
-----------
* Inputs must be aware datetimes (any tzinfo); a naive datetime raises ``ValueError``.
  Instants are compared as instants, whatever their zone.
* Every returned datetime is in **UTC** (``tzinfo=datetime.UTC``), including the
  zero-duration case of :meth:`BusinessCalendar.add_business_time` and the already-open
  case of :meth:`BusinessCalendar.next_open`: those return the input instant, converted.
  UTC rather than the calendar's zone because Python's ``==`` between datetimes of
  different zones is always ``False`` when one of them sits in a fold or gap (PEP 495):
  a deadline of 01:30 (fold=1) New York time would compare unequal to the very same
  instant loaded from the database in UTC. Localise for display with
  ``dt.astimezone(calendar.timezone)``.
* Arithmetic is exact to the microsecond (integer microseconds internally, no floats).

How it is fast
--------------
Real time is cut into fixed blocks of 28 days (aligned on the Unix epoch, in UTC). For a
block the calendar computes, once, the sorted list of real open stretches (epoch
microseconds), merged where they touch, with a running total of business time. The zone's
UTC-offset changes inside a block are found by probing ``utcoffset`` every 3 hours and
bisecting to the second, and each wall interval is converted to real time per constant
offset segment (so gaps and folds are exact). Adding a duration or measuring a span is then
two ``bisect`` calls plus a hop per 28-day block crossed: no stepping by minute, hour, day
or week, and holidays cost nothing at query time (they are simply absent from the
precomputed stretches). Blocks are cached per calendar, zone offsets per zone.

Assumption: a zone never changes its UTC offset twice within 3 hours in a way that brings
it back to the same offset (checked against every zone's explicit transitions in the tz
database: no two transitions are even 6 hours apart). The interval semantics follow from
splitting real time at the zone's transitions: on each constant-offset segment the instants
whose wall time is in ``[a, b)`` form one real interval, so an interval starting inside a
gap starts when the wall clock first reads >= ``a``, and one whose bounds fall inside a
fold yields the two real pieces the wall clock actually shows.

Supported range: instants from January of year 1 (+3 days) to late December 9999; outside
it the methods raise ``OverflowError``.

Search horizon
--------------
Searches forward (:meth:`BusinessCalendar.add_business_time`,
:meth:`BusinessCalendar.next_open`) never look further than :data:`SEARCH_HORIZON` (about ten
years) past their start: an answer beyond it raises :class:`CalendarHorizonExceeded`, quickly.
A duration that cannot fit — more than the calendar's nominal weekly open time can hold within
the horizon — is refused in O(1), before any block is computed; otherwise the walk stops at the
horizon's block (at most ~131 block computations, milliseconds). Without it a calendar open one
second a week and a target of 100,000 hours walked block by block to the year 9999 (seconds of
CPU per call) and ended in ``OverflowError``. :data:`MAX_TARGET_SPAN` (half the horizon) is what
configuration forms allow a target to need, so that a deadline started any time in the next
years stays computable.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "DAY_NAMES",
    "MAX_TARGET_SPAN",
    "SEARCH_HORIZON",
    "BusinessCalendar",
    "CalendarHorizonExceeded",
    "Interval",
    "format_interval",
    "parse_interval",
    "validate_holidays",
    "validate_timezone",
    "validate_weekly",
]

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_DAY_KEYS = {name.lower(): i for i, name in enumerate(DAY_NAMES)}
_DAY_KEYS.update({name[:3].lower(): i for i, name in enumerate(DAY_NAMES)})

_US = 1_000_000  # microseconds per second
_DAY_S = 86_400
_DAY_US = _DAY_S * _US
_BLOCK_S = 28 * _DAY_S  # real-time block length (seconds)
_BLOCK_US = _BLOCK_S * _US
_PROBE_S = 3 * 3600  # utcoffset probing step when looking for zone transitions
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()  # a Thursday: weekday(epoch day e) = (e+3) % 7
_MAX_BLOCKS_CACHED = 4096
_HORIZON_BLOCKS = 131  # ~10 years of 28-day blocks
SEARCH_HORIZON = timedelta(seconds=_HORIZON_BLOCKS * _BLOCK_S)  # 3,668 days
_HORIZON_US = _HORIZON_BLOCKS * _BLOCK_US
MAX_TARGET_SPAN = timedelta(seconds=(_HORIZON_BLOCKS // 2) * _BLOCK_S)  # 1,820 days

# Blocks whose probing window stays safely inside datetime's range.
_MIN_S = int((datetime(1, 1, 4, tzinfo=UTC) - _EPOCH).total_seconds())
_MAX_S = int((datetime(9999, 12, 28, tzinfo=UTC) - _EPOCH).total_seconds())
_MIN_BLOCK = -((-_MIN_S) // _BLOCK_S)
_MAX_BLOCK = _MAX_S // _BLOCK_S - 1

_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_INTERVAL_SPLIT_RE = re.compile(r"\s*[-\u2013]\s*")


class CalendarHorizonExceeded(ValueError):
    """The answer lies more than :data:`SEARCH_HORIZON` after the start (or never comes):
    the duration is too long for how little the calendar is open."""

    def __init__(self, start: datetime, duration: timedelta | None = None) -> None:
        what = "an open instant"
        if duration is not None:
            what = f"{duration.total_seconds() / 3600:,.6g} hours of business time"
        super().__init__(
            f"{what} from {start.isoformat()} lies beyond the calendar's search horizon of "
            f"{SEARCH_HORIZON.days} days"
        )
        self.start = start
        self.duration = duration


# --------------------------------------------------------------------------- parsing


class Interval(NamedTuple):
    """A wall-clock interval ``[start, end)`` in seconds since local midnight.

    ``end`` may be 86400 (``"24:00"``). ``str(interval)`` gives ``"09:00-18:00"``.
    """

    start: int
    end: int

    def __str__(self) -> str:
        return format_interval(self)


def _fmt_seconds(s: int) -> str:
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h:02d}:{m:02d}:{sec:02d}" if sec else f"{h:02d}:{m:02d}"


def format_interval(interval: tuple[int, int]) -> str:
    """``(32400, 64800)`` -> ``"09:00-18:00"`` (seconds shown only when non-zero)."""
    return f"{_fmt_seconds(interval[0])}-{_fmt_seconds(interval[1])}"


def _parse_clock(text: str, *, is_end: bool) -> int:
    m = _TIME_RE.match(text.strip())
    if not m:
        raise ValueError(f"{text!r} is not a time of day (expected HH:MM or HH:MM:SS)")
    h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    if h == 24 and mi == 0 and s == 0:
        if not is_end:
            raise ValueError("24:00 is only allowed as the end of an interval")
        return _DAY_S
    if h > 23:
        raise ValueError(f"{text!r}: hour must be between 00 and 23 (or 24:00 as an end)")
    if mi > 59:
        raise ValueError(f"{text!r}: minutes must be between 00 and 59")
    if s > 59:
        raise ValueError(f"{text!r}: seconds must be between 00 and 59")
    return h * 3600 + mi * 60 + s


def _clock_value(value: Any, *, is_end: bool) -> int:
    if isinstance(value, str):
        return _parse_clock(value, is_end=is_end)
    if isinstance(value, time):
        if value.tzinfo is not None:
            raise ValueError(f"{value!r}: interval bounds must be naive wall-clock times")
        if value.microsecond:
            raise ValueError(f"{value!r}: sub-second interval bounds are not supported")
        s = value.hour * 3600 + value.minute * 60 + value.second
        # In tuple form an end of time(0) means midnight at the end of the day (24:00).
        return _DAY_S if (is_end and s == 0) else s
    raise ValueError(f"{value!r} is not a time of day (expected 'HH:MM' or datetime.time)")


def parse_interval(value: str | tuple[Any, Any] | Interval) -> Interval:
    """Parse one wall-clock interval; raise ``ValueError`` with a readable message.

    Accepts ``"09:00-18:00"``, ``"9:00 - 18:00"``, ``"22:00-24:00"``, ``"08:30:15-12:00"``,
    or a ``(start, end)`` pair of ``datetime.time`` / ``"HH:MM"`` strings (in the pair form
    an end of ``time(0)`` means 24:00). The end must be after the start: an overnight shift
    is two intervals on consecutive days.
    """
    if isinstance(value, str):
        parts = _INTERVAL_SPLIT_RE.split(value.strip())
        if len(parts) != 2 or not parts[0] or not parts[1]:
            raise ValueError(f"{value!r} is not an interval (expected HH:MM-HH:MM)")
        start = _parse_clock(parts[0], is_end=False)
        end = _parse_clock(parts[1], is_end=True)
        shown = value.strip()
    elif isinstance(value, tuple | list) and len(value) == 2:
        start = _clock_value(value[0], is_end=False)
        end = _clock_value(value[1], is_end=True)
        shown = format_interval((start, end))
    else:
        raise ValueError(f"{value!r} is not an interval (expected 'HH:MM-HH:MM')")
    if end <= start:
        raise ValueError(
            f"{shown!r}: the end must be after the start "
            "(give an overnight shift as two intervals, e.g. 22:00-24:00 and 00:00-04:00)"
        )
    return Interval(start, end)


def _day_index(key: Any) -> int:
    if isinstance(key, bool):
        raise ValueError(f"weekday key {key!r} must be an integer 0 (Monday) .. 6 (Sunday)")
    if isinstance(key, int):
        idx = key
    elif isinstance(key, str) and key.strip().lstrip("-").isdigit():
        idx = int(key.strip())
    elif isinstance(key, str) and key.strip().lower() in _DAY_KEYS:
        return _DAY_KEYS[key.strip().lower()]
    else:
        raise ValueError(f"weekday key {key!r} must be an integer 0 (Monday) .. 6 (Sunday)")
    if not 0 <= idx <= 6:
        raise ValueError(f"weekday key {key!r} is outside 0 (Monday) .. 6 (Sunday)")
    return idx


def validate_weekly(
    weekly: Mapping[Any, Any], *, allow_empty: bool = False
) -> dict[int, tuple[Interval, ...]]:
    """Validate and normalise a weekly schedule; raise ``ValueError`` naming the day/interval.

    ``weekly`` maps a weekday (``0`` = Monday .. ``6`` = Sunday; ``"0"``..``"6"`` as stored
    in JSON and day names such as ``"mon"``/``"Monday"`` are accepted too) to an iterable of
    intervals (see :func:`parse_interval`), a single interval string, or ``None``/empty for a
    closed day. Missing days are closed.

    Returns ``{0: (Interval, ...), ..., 6: (...)}`` with all seven days, each day's intervals
    sorted. Overlapping intervals on one day are an error; touching ones
    (``09:00-12:00`` and ``12:00-18:00``) are fine. Unless ``allow_empty``, a week without
    any open time raises ``ValueError("calendar has no open time")``.
    """
    if not isinstance(weekly, Mapping):
        raise ValueError("the weekly schedule must be a mapping of weekday -> intervals")
    days: dict[int, list[Interval]] = {i: [] for i in range(7)}
    seen: set[int] = set()
    for key, value in weekly.items():
        idx = _day_index(key)
        name = DAY_NAMES[idx]
        if idx in seen:
            raise ValueError(f"{name} is given more than once")
        seen.add(idx)
        if value is None:
            continue
        items = [value] if isinstance(value, str) else value
        try:
            items = list(items)
        except TypeError:
            raise ValueError(f"{name}: {value!r} is not a list of intervals") from None
        for item in items:
            try:
                days[idx].append(parse_interval(item))
            except ValueError as exc:
                raise ValueError(f"{name}: {exc}") from None
    out: dict[int, tuple[Interval, ...]] = {}
    for idx, ivs in days.items():
        ivs.sort()
        for prev, nxt in zip(ivs, ivs[1:], strict=False):
            if nxt.start < prev.end:
                raise ValueError(
                    f"{DAY_NAMES[idx]}: intervals {format_interval(prev)} and "
                    f"{format_interval(nxt)} overlap"
                )
        out[idx] = tuple(ivs)
    if not allow_empty and not any(out.values()):
        raise ValueError("calendar has no open time")
    return out


def validate_timezone(tz: str | tzinfo) -> tzinfo:
    """Return a tzinfo for an IANA key (``"America/New_York"``) or pass a tzinfo through.

    Raises ``ValueError("unknown time zone ...")`` for keys zoneinfo cannot load.
    """
    if isinstance(tz, tzinfo):
        return tz
    if not isinstance(tz, str):
        raise ValueError(f"time zone must be an IANA name such as 'Europe/London', got {tz!r}")
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, OSError, TypeError):
        raise ValueError(f"unknown time zone {tz!r}") from None


def validate_holidays(holidays: Iterable[Any] | None) -> frozenset[date]:
    """Normalise holidays (local dates) to a frozenset of ``date``.

    Accepts any iterable of ``date`` or ISO ``"YYYY-MM-DD"`` strings (e.g. a set, a list, or a
    ``holidays.country_holidays(...)`` object, whose iteration yields its dates). Datetimes
    are rejected: a holiday is a local calendar date, not an instant.
    """
    if holidays is None:
        return frozenset()
    out: set[date] = set()
    for item in holidays:
        if isinstance(item, datetime):
            raise ValueError(f"holiday {item!r} must be a date, not a datetime")
        if isinstance(item, date):
            out.add(item)
        elif isinstance(item, str):
            try:
                out.add(date.fromisoformat(item.strip()))
            except ValueError:
                raise ValueError(f"holiday {item!r} is not a YYYY-MM-DD date") from None
        else:
            raise ValueError(f"holiday {item!r} is not a date")
    return frozenset(out)


# --------------------------------------------------------------------------- zone offsets


def _offset_s(tz: tzinfo, s: int) -> int:
    u = datetime.fromtimestamp(s, tz).utcoffset()
    if u is None:  # pragma: no cover - a tzinfo that does not know its offset
        raise ValueError(f"time zone {tz!r} has no UTC offset")
    return u.days * _DAY_S + u.seconds


@lru_cache(maxsize=8192)
def _segments(tz: tzinfo, b: int) -> tuple[tuple[int, int, int], ...]:
    """Constant-offset segments ``(start_s, end_s, offset_s)`` covering real block ``b``."""
    lo = b * _BLOCK_S
    hi = lo + _BLOCK_S
    segs: list[tuple[int, int, int]] = []
    cur_start = lo
    cur_off = _offset_s(tz, lo)
    p = lo
    probes = [*range(lo + _PROBE_S, hi, _PROBE_S), hi - 1]
    for q in probes:
        oq = _offset_s(tz, q)
        while oq != cur_off:
            # smallest second c in (p, q] whose offset differs from cur_off
            a, c = p, q
            while c - a > 1:
                m = (a + c) // 2
                if _offset_s(tz, m) == cur_off:
                    a = m
                else:
                    c = m
            segs.append((cur_start, c, cur_off))
            cur_start = c
            cur_off = _offset_s(tz, c)
            p = c
        p = q
    segs.append((cur_start, hi, cur_off))
    return tuple(segs)


# --------------------------------------------------------------------------- calendar

_Block = tuple[list[int], list[int], list[int], int]  # starts, ends, cumulative ends, total


def _merge_spans(
    spans: Iterable[tuple[datetime, datetime]] | None,
) -> tuple[tuple[int, int], ...]:
    """Aware (start, end) pairs as sorted, merged epoch seconds (start floored, end ceiled)."""
    out: list[list[int]] = []
    for a, b in sorted(
        (
            int((a - _EPOCH).total_seconds() // 1),
            -int(-(b - _EPOCH).total_seconds() // 1),
        )
        for a, b in (spans or ())
    ):
        if b <= a:
            continue
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return tuple((a, b) for a, b in out)


def _subtract(
    pieces: list[tuple[int, int]], closed: tuple[tuple[int, int], ...], starts: list[int]
) -> list[tuple[int, int]]:
    """Each piece minus the closed spans (all in seconds; `closed` sorted and merged)."""
    out: list[tuple[int, int]] = []
    for x, y in pieces:
        k = max(bisect_right(starts, x) - 1, 0)
        while k < len(closed) and closed[k][0] < y:
            a, b = closed[k]
            if b > x:
                if a > x:
                    out.append((x, a))
                x = max(x, b)
                if x >= y:
                    break
            k += 1
        if x < y:
            out.append((x, y))
    return out


class BusinessCalendar:
    """Weekly business hours in one time zone, minus holidays. Immutable, hashable.

    >>> cal = BusinessCalendar("America/New_York", {0: ["09:00-18:00"], 5: ["09:00-13:00"]},
    ...                        holidays={date(2026, 11, 26)})
    """

    __slots__ = (
        "_blocks",
        "_closed",
        "_closed_starts",
        "_hash",
        "_holiday_days",
        "_holidays",
        "_horizon_cap_us",
        "_max_empty_blocks",
        "_tz",
        "_tz_name",
        "_weekly",
        "_weekly_s",
    )

    def __init__(
        self,
        timezone: str | tzinfo = "UTC",
        weekly: Mapping[Any, Any] | None = None,
        holidays: Iterable[Any] | None = None,
        closed: Iterable[tuple[datetime, datetime]] | None = None,
    ) -> None:
        self._tz = validate_timezone(timezone)
        self._tz_name = getattr(self._tz, "key", None) or str(self._tz)
        self._weekly = validate_weekly(weekly if weekly is not None else {})
        self._weekly_s = tuple(
            tuple((iv.start, iv.end) for iv in self._weekly[i]) for i in range(7)
        )
        self._holidays = validate_holidays(holidays)
        self._holiday_days = frozenset(d.toordinal() - _EPOCH_ORDINAL for d in self._holidays)
        # A 28-day block with no business time needs every open day in it (>= 4) to be a
        # holiday, or swallowed by a DST gap (a handful per year): this bounds any search.
        # Closed spans of real time (maintenance windows when the tenant pauses clocks in
        # them): sorted, merged, whole seconds since the epoch, subtracted from each block.
        self._closed = _merge_spans(closed)
        self._closed_starts = [a for a, _ in self._closed]
        self._max_empty_blocks = (
            len(self._holidays) + 8 + sum((b - a) // _BLOCK_S + 2 for a, b in self._closed)
        )
        # An upper bound of the business time any window of the horizon (+ a block) can hold:
        # whole weeks at the nominal open time, plus slack for DST folds (an hour that occurs
        # twice counts twice) of a day a year. A longer duration cannot fit: refused in O(1).
        weekly_open_s = sum(b - a for day in self._weekly_s for a, b in day)
        weeks = (_HORIZON_BLOCKS + 1) * 4 + 1
        self._horizon_cap_us = (weekly_open_s * weeks + 12 * _DAY_S) * _US
        self._blocks: dict[int, _Block] = {}
        self._hash = hash((self._tz_name, self._weekly_s, self._holidays, self._closed))

    @classmethod
    def always_open(cls, timezone: str | tzinfo = "UTC") -> BusinessCalendar:
        """A 24/7 calendar without holidays: business time equals elapsed real time."""
        return cls(timezone, {i: ["00:00-24:00"] for i in range(7)})

    # ----------------------------------------------------------------- introspection

    @property
    def timezone(self) -> tzinfo:
        return self._tz

    @property
    def weekly(self) -> dict[int, tuple[Interval, ...]]:
        return dict(self._weekly)

    @property
    def holidays(self) -> frozenset[date]:
        return self._holidays

    @property
    def sorted_holidays(self) -> tuple[date, ...]:
        return tuple(sorted(self._holidays))

    @property
    def weekly_open_time(self) -> timedelta:
        """Nominal (wall-clock) open time per week, ignoring DST and holidays."""
        return timedelta(seconds=sum(b - a for day in self._weekly_s for a, b in day))

    def __repr__(self) -> str:
        days = {i: [format_interval(iv) for iv in ivs] for i, ivs in self._weekly.items() if ivs}
        return (
            f"BusinessCalendar(timezone={self._tz_name!r}, weekly={days!r}, "
            f"holidays=<{len(self._holidays)} dates>)"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BusinessCalendar):
            return NotImplemented
        return (self._tz_name, self._weekly_s, self._holidays, self._closed) == (
            other._tz_name,
            other._weekly_s,
            other._holidays,
            other._closed,
        )

    def __hash__(self) -> int:
        return self._hash

    # ----------------------------------------------------------------- internals

    def _block(self, b: int) -> _Block:
        blk = self._blocks.get(b)
        if blk is not None:
            return blk
        if not _MIN_BLOCK <= b <= _MAX_BLOCK:
            raise OverflowError("instant outside the supported range (years 1-9999)")
        segs = _segments(self._tz, b)
        lo = b * _BLOCK_S
        hi = lo + _BLOCK_S
        weekly = self._weekly_s
        hol = self._holiday_days
        pieces: list[tuple[int, int]] = []
        # |utcoffset| < 1 day, so instants of this block have wall dates in this range.
        for e in range((lo - _DAY_S) // _DAY_S, (hi + _DAY_S) // _DAY_S + 1):
            ivs = weekly[(e + 3) % 7]
            if not ivs or e in hol:
                continue
            base = e * _DAY_S
            for a, z in ivs:
                wa = base + a
                wz = base + z
                for s0, s1, off in segs:
                    x = wa - off
                    y = wz - off
                    if x < s0:
                        x = s0
                    if y > s1:
                        y = s1
                    if x < y:
                        pieces.append((x, y))
        if self._closed:
            pieces = _subtract(pieces, self._closed, self._closed_starts)
        pieces.sort()
        starts: list[int] = []
        ends: list[int] = []
        cum: list[int] = []
        total = 0
        for x, y in pieces:
            xu = x * _US
            yu = y * _US
            if ends and xu <= ends[-1]:
                if yu > ends[-1]:
                    total += yu - ends[-1]
                    ends[-1] = yu
                    cum[-1] = total
                continue
            total += yu - xu
            starts.append(xu)
            ends.append(yu)
            cum.append(total)
        blk = (starts, ends, cum, total)
        if len(self._blocks) >= _MAX_BLOCKS_CACHED:
            self._blocks.clear()
        self._blocks[b] = blk
        return blk

    def _out(self, t: int) -> datetime:
        sec, us = divmod(t, _US)
        dt = datetime.fromtimestamp(sec, UTC)
        return dt.replace(microsecond=us) if us else dt

    @staticmethod
    def _us(dt: datetime, what: str = "datetime") -> int:
        try:
            td = dt - _EPOCH
        except TypeError:
            if isinstance(dt, datetime):
                raise ValueError(f"{what} must be timezone-aware, got naive {dt!r}") from None
            raise TypeError(f"{what} must be an aware datetime, got {dt!r}") from None
        return td.days * _DAY_US + td.seconds * _US + td.microseconds

    def _cum_in_block(self, blk: _Block, t: int) -> int:
        starts, ends, cum, _ = blk
        k = bisect_right(starts, t) - 1
        if k < 0:
            return 0
        e = ends[k]
        return cum[k] - (e - t) if t < e else cum[k]

    def _between_us(self, t0: int, t1: int) -> int:
        """Business microseconds in ``[t0, t1)``, ``t0 <= t1``."""
        b0 = t0 // _BLOCK_US
        b1 = t1 // _BLOCK_US
        blk0 = self._block(b0)
        if b0 == b1:
            return self._cum_in_block(blk0, t1) - self._cum_in_block(blk0, t0)
        acc = blk0[3] - self._cum_in_block(blk0, t0)
        for b in range(b0 + 1, b1):
            acc += self._block(b)[3]
        return acc + self._cum_in_block(self._block(b1), t1)

    # ----------------------------------------------------------------- public API

    def add_business_time(self, start: datetime, duration: timedelta) -> datetime:
        """The earliest instant by which ``duration`` of business time has elapsed since
        ``start``.

        A deadline landing exactly on the end of an interval is that end (not the next
        opening). ``duration == 0`` returns ``start`` (the same instant, in UTC) even when
        closed. The result is in UTC. Negative durations raise ``ValueError``.
        """
        try:
            td = start - _EPOCH
        except TypeError:
            self._us(start, "start")  # raises the right error
            raise  # pragma: no cover
        t = td.days * _DAY_US + td.seconds * _US + td.microseconds
        try:
            d = duration.days * _DAY_US + duration.seconds * _US + duration.microseconds
        except AttributeError:
            raise TypeError(f"duration must be a timedelta, got {duration!r}") from None
        if d <= 0:
            if d == 0:
                return self._out(t)
            raise ValueError(f"duration must not be negative, got {duration!r}")
        b = t // _BLOCK_US
        blocks = self._blocks
        blk = blocks.get(b) or self._block(b)
        starts, ends, cum, total = blk
        k = bisect_right(starts, t) - 1
        if k >= 0:
            e = ends[k]
            target = cum[k] + d - (e - t) if t < e else cum[k] + d
        else:
            target = d
        if target > total:
            # Only a deadline past this block can be beyond the horizon: the fast path (most
            # targets end in the block they start in) pays nothing for the checks.
            if d > self._horizon_cap_us:
                raise CalendarHorizonExceeded(start, duration)
            empty = 0
            # Past this block every instant is beyond t + horizon: stop there.
            last = b + _HORIZON_BLOCKS + 1
            while target > total:
                target -= total
                b += 1
                if b > last:
                    raise CalendarHorizonExceeded(start, duration)
                starts, ends, cum, total = blocks.get(b) or self._block(b)
                if not total:
                    empty += 1
                    if empty > self._max_empty_blocks:
                        raise CalendarHorizonExceeded(start, duration)
            k = bisect_left(cum, target)
            r = ends[k] - (cum[k] - target)
            if r - t > _HORIZON_US:
                raise CalendarHorizonExceeded(start, duration)
        else:
            k = bisect_left(cum, target)
            r = ends[k] - (cum[k] - target)
        sec, us = divmod(r, _US)
        out = datetime.fromtimestamp(sec, UTC)
        return out.replace(microsecond=us) if us else out

    def business_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Business time in ``[start, end)``. If ``end < start`` the result is negative:
        ``between(a, b) == -between(b, a)``.
        """
        t0 = self._us(start, "start")
        t1 = self._us(end, "end")
        if t1 >= t0:
            return timedelta(microseconds=self._between_us(t0, t1))
        return timedelta(microseconds=-self._between_us(t1, t0))

    def is_open(self, at: datetime) -> bool:
        """Whether the instant ``at`` is business time (interval starts are open, ends not)."""
        t = self._us(at, "at")
        starts, ends, _, _ = self._block(t // _BLOCK_US)
        k = bisect_right(starts, t) - 1
        return k >= 0 and t < ends[k]

    def next_open(self, at: datetime) -> datetime:
        """The first open instant at or after ``at`` (``at`` itself, in UTC, when open)."""
        t0 = t = self._us(at, "at")
        b = t // _BLOCK_US
        last = b + _HORIZON_BLOCKS + 1
        empty = 0
        while b <= last:
            starts, ends, _, _ = self._block(b)
            k = bisect_right(starts, t) - 1
            if k >= 0 and t < ends[k]:
                return self._out(t)
            if k + 1 < len(starts):
                if starts[k + 1] - t0 > _HORIZON_US:
                    break
                return self._out(starts[k + 1])
            if not starts:
                empty += 1
                if empty > self._max_empty_blocks:
                    break
            b += 1
            t = b * _BLOCK_US
        raise CalendarHorizonExceeded(at)
