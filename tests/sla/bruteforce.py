"""Brute-force reference for business calendars: the executable spec of ``sla.calendars``.

Deliberately independent of ``sla.calendars`` (own parser, own membership rule) and
obviously right rather than fast. Everything is in integer epoch seconds.

The rule: an instant ``t`` is business time iff ``datetime.fromtimestamp(t, zone)`` (its
local wall time per zoneinfo) falls on a weekday's interval ``[a, b)`` and its local date is
not a holiday.

``Walker(step=60)`` walks real time minute by minute (aligned on UTC minutes) and asks
zoneinfo for every minute. It is exact for second-granular starts and durations because,
when every UTC offset, every offset transition and every interval bound is a whole minute,
membership is constant on each UTC minute ``[60k, 60k+60)``; the constructor and
``member`` assert the checkable half of that. ``Walker(step=1)`` walks second by second and
needs no assumption (use it on short spans only).

``HourChunkWalker`` is the same per-minute rule, but asks zoneinfo once per UTC hour and
reads per-minute membership from a 1440-entry bitmap per weekday; whenever the offset at the
start of the hour differs from the offset at the start of the next hour it falls back to one
zoneinfo call per minute. It is ~100x faster than ``Walker`` and is itself checked against
``Walker`` in the test-suite; the benchmark uses it to check all its cases.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

MAX_STEPS = 20_000_000


def parse_hhmm(text: str) -> int:
    h, m = text.strip().split(":")
    return int(h) * 3600 + int(m) * 60


def parse_weekly(weekly: Mapping[int, Sequence[str]]) -> dict[int, list[tuple[int, int]]]:
    """``{0: ["09:00-18:00"]}`` -> ``{0: [(32400, 64800)]}`` (seconds of the local day)."""
    out: dict[int, list[tuple[int, int]]] = {i: [] for i in range(7)}
    for day, items in weekly.items():
        for item in items:
            a, b = item.split("-")
            out[int(day)].append((parse_hhmm(a), parse_hhmm(b)))
    return out


class Walker:
    def __init__(
        self,
        tz: str,
        weekly: Mapping[int, Sequence[str]],
        holidays: Iterable[date] = (),
        step: int = 60,
    ) -> None:
        self.tz = ZoneInfo(tz)
        self.days = parse_weekly(weekly)
        self.holidays = frozenset(holidays)
        self.step = step
        for ivs in self.days.values():
            for a, b in ivs:
                assert a % step == 0 and b % step == 0, "interval bounds must align with step"

    def member(self, t: int) -> bool:
        w = datetime.fromtimestamp(t, self.tz)
        off = w.utcoffset()
        assert off is not None and off.total_seconds() % self.step == 0
        if w.date() in self.holidays:
            return False
        sod = w.hour * 3600 + w.minute * 60 + w.second
        return any(a <= sod < b for a, b in self.days[w.weekday()])

    def add(self, t: int, duration: int) -> int:
        """Earliest instant by which ``duration`` business seconds have elapsed since ``t``."""
        if duration == 0:
            return t
        rem = duration
        for _ in range(MAX_STEPS):
            nxt = t - t % self.step + self.step
            if self.member(t):
                if rem <= nxt - t:
                    return t + rem
                rem -= nxt - t
            t = nxt
        raise RuntimeError("walker gave up")

    def between(self, t0: int, t1: int) -> int:
        """Business seconds in ``[t0, t1)`` (negative if ``t1 < t0``)."""
        if t1 < t0:
            return -self.between(t1, t0)
        acc = 0
        t = t0
        while t < t1:
            nxt = min(t - t % self.step + self.step, t1)
            if self.member(t):
                acc += nxt - t
            t = nxt
        return acc

    def next_open(self, t: int) -> int:
        for _ in range(MAX_STEPS):
            if self.member(t):
                return t
            t = t - t % self.step + self.step
        raise RuntimeError("walker gave up")


class HourChunkWalker:
    def __init__(
        self, tz: str, weekly: Mapping[int, Sequence[str]], holidays: Iterable[date] = ()
    ) -> None:
        self.tz = ZoneInfo(tz)
        self.walker = Walker(tz, weekly, holidays, step=60)
        self.holidays = frozenset(holidays)
        self.bitmaps: list[bytes] = []
        for wd in range(7):
            bits = bytearray(1440)
            for a, b in self.walker.days[wd]:
                for m in range(a // 60, b // 60):
                    bits[m] = 1
            self.bitmaps.append(bytes(bits))
        self._cache: dict[int, bytes] = {}

    def _segment(self, d: date, a: int, b: int) -> bytes:
        if d in self.holidays:
            return bytes(b - a)
        return self.bitmaps[d.weekday()][a:b]

    def mask(self, h: int) -> bytes:
        """Per-minute membership (60 bytes) of the UTC hour starting at ``h``."""
        got = self._cache.get(h)
        if got is not None:
            return got
        w0 = datetime.fromtimestamp(h, self.tz)
        w1 = datetime.fromtimestamp(h + 3600, self.tz)
        if w0.utcoffset() != w1.utcoffset():
            got = bytes(self.walker.member(h + 60 * k) for k in range(60))
        else:
            assert w0.second == 0
            d0 = w0.date()
            m0 = w0.hour * 60 + w0.minute
            first = self._segment(d0, m0, min(1440, m0 + 60))
            rest = 60 - len(first)
            got = first + (self._segment(d0 + timedelta(days=1), 0, rest) if rest else b"")
        if len(self._cache) > 200_000:
            self._cache.clear()
        self._cache[h] = got
        return got

    def add(self, t: int, duration: int) -> int:
        if duration == 0:
            return t
        rem = duration
        for _ in range(MAX_STEPS):
            h = t - t % 3600
            mask = self.mask(h)
            if t == h:
                c = mask.count(1) * 60
                if c < rem:
                    rem -= c
                    t = h + 3600
                    continue
            while t < h + 3600:
                nxt = t - t % 60 + 60
                if mask[(t - h) // 60]:
                    if rem <= nxt - t:
                        return t + rem
                    rem -= nxt - t
                t = nxt
        raise RuntimeError("walker gave up")

    def between(self, t0: int, t1: int) -> int:
        if t1 < t0:
            return -self.between(t1, t0)
        acc = 0
        t = t0
        while t < t1:
            h = t - t % 3600
            mask = self.mask(h)
            if t == h and h + 3600 <= t1:
                acc += mask.count(1) * 60
                t = h + 3600
                continue
            nxt = min(t - t % 60 + 60, t1)
            if mask[(t - h) // 60]:
                acc += nxt - t
            t = nxt
        return acc
