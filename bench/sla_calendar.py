"""Benchmark and agreement check for ``sla.calendars.BusinessCalendar``.

Run from the repository root::

    .venv/bin/python bench/sla_calendar.py [--cases N] [--walker-sample N] [--seed S]

Generates reproducible mixed cases (several zones, US federal holidays from the ``holidays``
package, the seed tenants' weekly schedules, durations log-uniform from 1 minute to 3
business weeks, starts over 2025-2027 with a third of them within 4 days of a DST change)
and measures, in one process:

* ours: ``add_business_time`` and ``business_time_between`` (cold first pass and warm);
* the brute-force minute walker (``tests/sla/bruteforce.py``: one zoneinfo call per minute),
  on a random sample of the cases because it is slow; its per-call rate is scaled from the
  sample;
* PyPI ``businesstimedelta`` (``WorkDayRule`` + ``HolidayRule`` + ``Rules``, pytz).

Agreement with the reference: every case (adds and spans) is checked against
``HourChunkWalker`` (the same per-minute rule, zoneinfo consulted once per UTC hour; it is
itself property-tested against the minute walker) and the sampled cases against the plain
minute walker as well. Any disagreement exits non-zero.

``businesstimedelta`` localises each day's opening and closing wall time with pytz, so for
schedules whose bounds never fall inside a DST change (all the non-24/7 ones here: changes
happen between 00:00 and 03:00) its semantics coincide with ours, DST weeks included; its
agreement is reported for those cases. It cannot express 24/7 exactly (a rule ending at
23:59:59.999999 loses 1 us a day), so 24/7 cases are timed but not compared.
"""

# ruff: noqa: E402  (imports follow the sys.path fix below)
from __future__ import annotations

import os
import sys

# Running ``python bench/sla_calendar.py`` puts bench/ first on sys.path, where a sibling
# module (e.g. bench/queue.py) would shadow the standard library: drop it, add the repo root.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import argparse
import math
import random
import time as clock
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import businesstimedelta
import holidays as holidays_pkg
import pytz

from sla.calendars import BusinessCalendar
from tests.sla.bruteforce import HourChunkWalker, Walker

ZONES = [
    "America/New_York",
    "Europe/London",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "America/Chicago",
    "Asia/Phnom_Penh",
]
WEEKDAYS = range(5)
SCHEDULES: dict[str, dict[int, list[str]]] = {
    "mon-fri 09-18": {d: ["09:00-18:00"] for d in WEEKDAYS},
    "mon-fri 10-18": {d: ["10:00-18:00"] for d in WEEKDAYS},
    "mon-fri 08-18 + sat 09-13": {**{d: ["08:00-18:00"] for d in WEEKDAYS}, 5: ["09:00-13:00"]},
    "24/7": {d: ["00:00-24:00"] for d in range(7)},
}
ALWAYS = "24/7"
T0 = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp())
T1 = int(datetime(2028, 1, 1, tzinfo=UTC).timestamp())


@dataclass(frozen=True)
class Case:
    key: tuple[str, str]  # (zone, schedule)
    start: datetime
    duration: timedelta
    end: datetime
    start_s: int
    duration_s: int
    end_s: int


def week_seconds(weekly: dict[int, list[str]]) -> int:
    total = 0
    for items in weekly.values():
        for item in items:
            a, b = (int(x.split(":")[0]) * 60 + int(x.split(":")[1]) for x in item.split("-"))
            total += (b - a) * 60
    return total


def transitions(zone: str) -> list[int]:
    tz = ZoneInfo(zone)
    out = []
    prev = datetime.fromtimestamp(T0, tz).utcoffset()
    for t in range(T0, T1, 1800):
        off = datetime.fromtimestamp(t, tz).utcoffset()
        if off != prev:
            out.append(t)
            prev = off
    return out


def us_holidays() -> frozenset[date]:
    return frozenset(holidays_pkg.country_holidays("US", years=range(2024, 2031)))


def make_cases(n: int, seed: int) -> list[Case]:
    rng = random.Random(seed)
    trans = {z: transitions(z) for z in ZONES}
    names = list(SCHEDULES)
    cases = []
    for i in range(n):
        zone = ZONES[i % len(ZONES)]
        sched = rng.choice(names)
        if trans[zone] and rng.random() < 1 / 3:
            start_s = rng.choice(trans[zone]) + rng.randint(-4 * 86400, 4 * 86400)
        else:
            start_s = rng.randrange(T0, T1)
        max_d = 3 * week_seconds(SCHEDULES[sched])
        duration_s = round(math.exp(rng.uniform(math.log(60), math.log(max_d))))
        span_s = round(math.exp(rng.uniform(math.log(60), math.log(28 * 86400))))
        tz = UTC if rng.random() < 0.5 else ZoneInfo(zone)
        cases.append(
            Case(
                key=(zone, sched),
                start=datetime.fromtimestamp(start_s, tz),
                duration=timedelta(seconds=duration_s),
                end=datetime.fromtimestamp(start_s + span_s, tz),
                start_s=start_s,
                duration_s=duration_s,
                end_s=start_s + span_s,
            )
        )
    return cases


def ts(dt: datetime) -> int:
    return int(dt.timestamp())


def timed(fn: Callable[[], object]) -> float:
    t = clock.perf_counter()
    fn()
    return clock.perf_counter() - t


def best_of(fn: Callable[[], object], repeat: int) -> float:
    return min(timed(fn) for _ in range(repeat))


def btd_rules(zone: str, sched: str, hol: frozenset[date]) -> businesstimedelta.Rule:
    tz = pytz.timezone(zone)
    rules: list[businesstimedelta.Rule] = []
    if sched == ALWAYS:
        # cannot say 24:00: closest is 00:00-23:59:59.999999 (timed, not compared)
        return businesstimedelta.WorkDayRule(
            start_time=time(0),
            end_time=time(23, 59, 59, 999999),
            working_days=list(range(7)),
            tz=tz,
        )
    for days, (a, b) in _rule_specs(SCHEDULES[sched]):
        rules.append(
            businesstimedelta.WorkDayRule(start_time=a, end_time=b, working_days=days, tz=tz)
        )
    rules.append(businesstimedelta.HolidayRule(hol, tz=tz))
    return businesstimedelta.Rules(rules)


def _rule_specs(weekly: dict[int, list[str]]) -> list[tuple[list[int], tuple[time, time]]]:
    by_interval: dict[str, list[int]] = {}
    for day, items in weekly.items():
        (item,) = items
        by_interval.setdefault(item, []).append(day)
    specs = []
    for item, days in by_interval.items():
        a, b = (time(int(x[:2]), int(x[3:])) for x in item.split("-"))
        specs.append((sorted(days), (a, b)))
    return specs


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds:>12,.0f}/s"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--walker-sample", type=int, default=1000)
    parser.add_argument("--btd-sample", type=int, default=0, help="0 = all cases")
    parser.add_argument("--seed", type=int, default=20260308)
    parser.add_argument(
        "--full-walker",
        action="store_true",
        help="also check every case against the plain minute walker (process pool, ~2-3 min)",
    )
    args = parser.parse_args(argv)
    wall_start = clock.perf_counter()

    hol = us_holidays()
    cases = make_cases(args.cases, args.seed)
    keys = sorted({c.key for c in cases})

    def build_calendars() -> dict[tuple[str, str], BusinessCalendar]:
        return {
            k: BusinessCalendar.always_open(k[0])
            if k[1] == ALWAYS
            else BusinessCalendar(k[0], SCHEDULES[k[1]], hol)
            for k in keys
        }

    def hol_for(sched: str) -> frozenset[date]:
        return frozenset() if sched == ALWAYS else hol

    n = len(cases)
    print(f"sla.calendars benchmark: {n:,} cases, seed {args.seed}, zones {', '.join(ZONES)}")
    print(f"schedules: {', '.join(SCHEDULES)}; US federal holidays ({len(hol)} dates 2024-2030)")
    near = sum(
        1
        for c in cases
        if any(abs(c.start_s - t) <= 4 * 86400 for t in transitions_cache(c.key[0]))
    )
    print(f"starts within 4 days of a DST change: {near:,}\n")

    # ------------------------------------------------------------------ ours
    cals = build_calendars()
    add_args = [(cals[c.key].add_business_time, c.start, c.duration) for c in cases]
    btw_args = [(cals[c.key].business_time_between, c.start, c.end) for c in cases]

    def run_adds() -> list[datetime]:
        return [f(s, d) for f, s, d in add_args]

    def run_btws() -> list[timedelta]:
        return [f(s, e) for f, s, e in btw_args]

    cold = timed(run_adds)
    ours_add = best_of(run_adds, 5)
    ours_btw = best_of(run_btws, 5)
    add_res = run_adds()
    btw_res = run_btws()

    # the headline figure: NY Mon-Fri 09-18 with US holidays, targets up to a business day
    rng = random.Random(args.seed + 1)
    ny_cal = BusinessCalendar("America/New_York", SCHEDULES["mon-fri 09-18"], hol)
    day_cases = [
        (
            datetime.fromtimestamp(rng.randrange(T0, T1), UTC),
            timedelta(seconds=rng.randint(60, 9 * 3600)),
        )
        for _ in range(20_000)
    ]
    f_ny = ny_cal.add_business_time
    day_time = best_of(lambda: [f_ny(s, d) for s, d in day_cases], 5)

    # ------------------------------------------------------------------ reference walkers
    chunk = {k: HourChunkWalker(k[0], SCHEDULES[k[1]], hol_for(k[1])) for k in keys}
    bad_add = bad_btw = bad_trip = 0
    examples: list[str] = []
    chunk_time = 0.0
    for c, got, between in zip(cases, add_res, btw_res, strict=True):
        w = chunk[c.key]
        t = clock.perf_counter()
        want = w.add(c.start_s, c.duration_s)
        want_btw = w.between(c.start_s, c.end_s)
        chunk_time += clock.perf_counter() - t
        if ts(got) != want:
            bad_add += 1
            examples.append(f"add {c}: ours {got.isoformat()} walker {want}")
        if between != timedelta(seconds=want_btw):
            bad_btw += 1
            examples.append(f"between {c}: ours {between} walker {want_btw}s")
        if cals[c.key].business_time_between(c.start, got) != c.duration:
            bad_trip += 1
            examples.append(f"round trip {c}")

    sample = random.Random(args.seed + 2).sample(cases, min(args.walker_sample, n))
    minute = {k: Walker(k[0], SCHEDULES[k[1]], hol_for(k[1])) for k in keys}
    bad_minute = 0
    t = clock.perf_counter()
    walk_adds = [minute[c.key].add(c.start_s, c.duration_s) for c in sample]
    walker_add = clock.perf_counter() - t
    t = clock.perf_counter()
    walk_btws = [minute[c.key].between(c.start_s, c.end_s) for c in sample]
    walker_btw = clock.perf_counter() - t
    for c, want, want_btw in zip(sample, walk_adds, walk_btws, strict=True):
        if ts(cals[c.key].add_business_time(c.start, c.duration)) != want:
            bad_minute += 1
            examples.append(f"minute walker add {c}")
        if cals[c.key].business_time_between(c.start, c.end) != timedelta(seconds=want_btw):
            bad_minute += 1
            examples.append(f"minute walker between {c}")

    full_checked = bad_full = 0
    if args.full_walker:
        jobs = [(c.key[0], c.key[1], c.start_s, c.duration_s, c.end_s) for c in cases]
        with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            for c, got, between, (want, want_btw) in zip(
                cases, add_res, btw_res, pool.map(_walk_case, jobs, chunksize=50), strict=True
            ):
                full_checked += 1
                if ts(got) != want or between != timedelta(seconds=want_btw):
                    bad_full += 1
                    examples.append(f"minute walker (full) {c}")

    # ------------------------------------------------------------------ businesstimedelta
    btd_cases = cases
    if args.btd_sample:
        btd_cases = random.Random(args.seed + 3).sample(cases, min(args.btd_sample, n))
    rules = {k: btd_rules(k[0], k[1], hol) for k in keys}
    btd_in = [
        (
            rules[c.key],
            c.start.astimezone(pytz.utc),
            businesstimedelta.BusinessTimeDelta(rules[c.key], timedelta=c.duration),
            c.end.astimezone(pytz.utc),
        )
        for c in btd_cases
    ]
    t = clock.perf_counter()
    btd_adds = [s + bd for _, s, bd, _ in btd_in]
    btd_add = clock.perf_counter() - t
    t = clock.perf_counter()
    btd_btws = [r.difference(s, e).timedelta for r, s, _, e in btd_in]
    btd_btw = clock.perf_counter() - t
    cmp_total = cmp_dst = bad_btd = bad_btd_dst = 0
    for c, got_add, got_btw in zip(btd_cases, btd_adds, btd_btws, strict=True):
        if c.key[1] == ALWAYS:
            continue
        cal = cals[c.key]
        ours_end = cal.add_business_time(c.start, c.duration)
        dst = _crosses_dst(c.key[0], c.start_s, max(ts(ours_end), c.end_s))
        cmp_total += 1
        cmp_dst += dst
        wrong = ts(got_add) != ts(ours_end) or got_btw != cal.business_time_between(c.start, c.end)
        bad_btd += wrong
        bad_btd_dst += wrong and dst

    # ------------------------------------------------------------------ report
    m = len(sample)
    nb = len(btd_cases)
    print("calls per second (higher is better)")
    print(f"  ours      add      {rate(n, ours_add)}   (cold first pass {rate(n, cold)})")
    print(f"  ours      between  {rate(n, ours_btw)}")
    print(
        f"  ours      add, NY Mon-Fri 09-18 + US holidays, 1 min-9 h targets "
        f"{rate(len(day_cases), day_time)}"
    )
    print(f"  walker    add      {rate(m, walker_add)}   (minute walker, {m} sampled cases)")
    print(f"  walker    between  {rate(m, walker_btw)}")
    print(f"  chunked   add+btw  {rate(2 * n, chunk_time)}   (hour-chunk walker, all cases)")
    sampled = "" if nb == n else f", {nb} sampled cases"
    print(f"  btd       add      {rate(nb, btd_add)}   (businesstimedelta{sampled})")
    print(f"  btd       between  {rate(nb, btd_btw)}")
    print("ratios (per-call time of the other / ours)")
    print(
        f"  ours/btd      add {(btd_add / nb) / (ours_add / n):8.1f}x   "
        f"between {(btd_btw / nb) / (ours_btw / n):8.1f}x"
    )
    print(
        f"  ours/walker   add {(walker_add / m) / (ours_add / n):8.1f}x   "
        f"between {(walker_btw / m) / (ours_btw / n):8.1f}x"
    )
    print("search horizon (a duration the calendar cannot reach is refused, not walked)")
    for label, weekly, hours in (
        ("1 s a week, 100,000 h target", {0: ["09:00:00-09:00:01"]}, 100_000),
        ("Mon 09-10, every Monday a holiday for 12 years", {0: ["09:00-10:00"]}, 1),
    ):
        refused, took = _refusal_time(weekly, hours)
        print(f"  {label:<48} {'refused' if refused else 'ANSWERED'} in {took * 1e3:.2f} ms")
    print("agreement")
    print(
        f"  vs hour-chunk walker, all {n:,} cases: add {bad_add} disagreements, "
        f"between {bad_btw}, round trip between(start, add(start, d)) != d: {bad_trip}"
    )
    print(f"  vs minute walker, {m} sampled cases: {bad_minute} disagreements")
    if args.full_walker:
        print(f"  vs minute walker, all {full_checked:,} cases (--full-walker): {bad_full}")
    print(
        f"  vs businesstimedelta, {cmp_total:,} non-24/7 cases ({cmp_dst:,} spanning a DST "
        f"change): {bad_btd} disagreements ({bad_btd_dst} of them across DST)"
    )
    print(f"total run time {clock.perf_counter() - wall_start:.1f} s")
    failures = bad_add + bad_btw + bad_trip + bad_minute + bad_full
    for line in examples[:10]:
        print("  !", line)
    if failures:
        print(f"FAIL: {failures} disagreements with the reference walker")
        return 1
    return 0


def _refusal_time(weekly: dict, hours: int) -> tuple[bool, float]:
    """Cold calendar (no cached blocks): how long add_business_time takes to give up."""
    from sla.calendars import BusinessCalendar, CalendarHorizonExceeded

    start = datetime(2026, 1, 5, tzinfo=UTC)
    mondays = {start.date() + timedelta(weeks=k) for k in range(52 * 12)} if hours == 1 else None
    cal = BusinessCalendar("America/New_York", weekly, mondays)
    t0 = clock.perf_counter()
    try:
        cal.add_business_time(start, timedelta(hours=hours))
    except CalendarHorizonExceeded:
        return True, clock.perf_counter() - t0
    return False, clock.perf_counter() - t0


_WORKER_WALKERS: dict[tuple[str, str], Walker] = {}


def _walk_case(job: tuple[str, str, int, int, int]) -> tuple[int, int]:
    """Process-pool worker: the plain minute walker's answers for one case."""
    zone, sched, start_s, duration_s, end_s = job
    walker = _WORKER_WALKERS.get((zone, sched))
    if walker is None:
        hol = frozenset() if sched == ALWAYS else us_holidays()
        walker = _WORKER_WALKERS[zone, sched] = Walker(zone, SCHEDULES[sched], hol)
    return walker.add(start_s, duration_s), walker.between(start_s, end_s)


_TRANSITIONS: dict[str, list[int]] = {}


def transitions_cache(zone: str) -> list[int]:
    if zone not in _TRANSITIONS:
        _TRANSITIONS[zone] = transitions(zone)
    return _TRANSITIONS[zone]


def _crosses_dst(zone: str, a: int, b: int) -> bool:
    return any(a - 86400 <= t <= b + 86400 for t in transitions_cache(zone))


if __name__ == "__main__":
    sys.exit(main())
