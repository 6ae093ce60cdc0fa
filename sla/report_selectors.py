"""Reads for the SLA compliance reports: each clock's outcome, aggregated in PostgreSQL.

A clock's outcome at `now` (what the report counts it as):

* **breached**: its status is `breached`, or the breach scan stamped `breached_at`, or it is
  running past its deadline (the scan may not have reached it yet: the report does not wait
  for it), or it is paused having already consumed more than its target;
* **met**: status `met` (a clock finished on time; a late finish ends as `breached`);
* **open**: running or paused, deadline not passed yet: not decided, so not in the attainment;
* **stopped**: ended without being owed (next response when the ticket is resolved, a metric
  a priority change removed): left out of every figure but the count of clocks.

Attainment is met / (met + breached). Breach minutes are wall-clock minutes from the deadline
to the answer (or to `now` while still unanswered; to the pause while paused). Response time
is the business time the clock had consumed when it was answered (`consumed`, on the target's
calendar): the SLA is stated in business time, so the report says business time too.

The next-response clock is one row per ticket restarted at each customer message: a report
counts its latest cycle only (earlier cycles live in the ledger, not in the clock row). A
first-response clock still running when its ticket is resolved late ends `breached` with
`met_at` at the resolution: the clock row cannot tell it from a late reply, so its time
counts as a (late) response time.

Every function takes the tenant; the grouping runs as one statement with GROUPING SETS, so a
page of the report costs one pass over the tenant's clocks in the range, however many.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce

from .models import ClockStatus, SlaClock

if TYPE_CHECKING:
    from tenants.models import Tenant

OUTCOMES = ("met", "breached", "open", "stopped")
# The dimensions every caller may group by; callers add their own (e.g. the customer).
BASE_DIMENSIONS = ("metric", "plan_id", "priority_id", "month")
_IDENTIFIER_CHARS = set("abcdefghijklmnopqrstuvwxyz_")


class EpochSeconds(Func):
    """A duration (interval) in seconds, as a float."""

    template = "EXTRACT(EPOCH FROM %(expressions)s)"
    output_field = FloatField()


class MonthIn(Func):
    """'YYYY-MM' of an instant in a zone (`MonthIn(Value(zone_name), F(field))`): text, so
    neither the GROUP BY nor a CSV of 200k rows converts a datetime per row."""

    template = "to_char(timezone(%(expressions)s), 'YYYY-MM')"
    output_field = CharField()


class IsoUtc(Func):
    """An instant as ISO 8601 text in UTC (for exports: no datetime object per cell)."""

    template = "to_char(timezone('UTC', %(expressions)s), 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
    output_field = CharField()


def report_clocks(
    *,
    tenant: Tenant,
    started_from: datetime,
    started_before: datetime,
    plan_id: int | None = None,
) -> QuerySet[SlaClock]:
    """The tenant's clocks started in [started_from, started_before), optionally of one plan
    (the plan of the policy version the clock runs under, which is the ticket's plan when it
    was opened)."""
    clocks = SlaClock.objects.for_tenant(tenant).filter(
        started_at__gte=started_from, started_at__lt=started_before
    )
    if plan_id is not None:
        clocks = clocks.filter(target__policy__plan_id=plan_id)
    return clocks


def _late(now: datetime) -> Q:
    return (
        Q(status=ClockStatus.BREACHED)
        | Q(breached_at__isnull=False)
        | Q(status=ClockStatus.RUNNING, due_at__lt=now)
        | Q(status=ClockStatus.PAUSED, consumed__gt=F("target_duration"))
    )


def outcome_expression(now: datetime) -> Case:
    return Case(
        When(_late(now), then=Value("breached")),
        When(status=ClockStatus.MET, then=Value("met")),
        When(status__in=[ClockStatus.RUNNING, ClockStatus.PAUSED], then=Value("open")),
        default=Value("stopped"),
        output_field=CharField(),
    )


def _breach_seconds(now: datetime) -> Case:
    """Wall-clock seconds from the deadline to the answer (or now, or the pause)."""
    end = Case(
        When(status=ClockStatus.RUNNING, then=Value(now)),
        When(status=ClockStatus.PAUSED, then=F("paused_at")),
        default=Coalesce(F("met_at"), Value(now)),
    )
    # A paused clock over its target has no deadline on record (due_at is null while
    # paused): its business-time overrun stands in for the wall-clock one.
    overrun: Combinable = ExpressionWrapper(
        F("consumed") - F("target_duration"), output_field=DurationField()
    )
    deadline = Coalesce(F("breached_at"), F("due_at"), end - overrun)
    late_by = EpochSeconds(ExpressionWrapper(end - deadline, output_field=DurationField()))
    return Case(
        When(_late(now), then=Func(late_by, Value(0.0), function="GREATEST")),
        default=Value(None),
        output_field=FloatField(),
    )


def _response_seconds() -> Case:
    """Business seconds to the answer, for clocks stopped by their answer (met or late)."""
    answered = Q(status__in=[ClockStatus.MET, ClockStatus.BREACHED], met_at__isnull=False)
    return Case(
        When(answered, then=EpochSeconds(F("consumed"))),
        default=Value(None),
        output_field=FloatField(),
    )


def _with_outcomes(
    clocks: QuerySet[SlaClock], *, now: datetime, zone: ZoneInfo, **extra: Any
) -> QuerySet:
    return clocks.order_by().values(
        metric_key=F("metric"),
        plan_key=F("target__policy__plan_id"),
        priority_key=F("target__priority_id"),
        month_start=MonthIn(Value(zone.key), F("started_at")),
        outcome=outcome_expression(now),
        breach_seconds=_breach_seconds(now),
        response_seconds=_response_seconds(),
        **extra,
    )


_ALIASES = {"metric": "metric_key", "plan_id": "plan_key", "priority_id": "priority_key",
            "month": "month_start"}  # fmt: skip


def _column(name: str) -> str:
    # Dimension names are interpolated into SQL: only plain identifiers of our own choosing.
    if not name or set(name) - _IDENTIFIER_CHARS:
        raise ValueError(f"not a report dimension: {name!r}")
    return _ALIASES.get(name, name)


def clock_outcome_rows(
    *,
    tenant: Tenant,
    clocks: QuerySet[SlaClock],
    now: datetime,
    zone: ZoneInfo,
    grouping_sets: Sequence[Sequence[str]],
    dimensions: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Figures per group, for several groupings in one statement (GROUPING SETS).

    `clocks` is a `report_clocks` queryset, perhaps narrowed further by the caller;
    `dimensions` adds columns to group by (name -> ORM expression, e.g. the customer). Each
    row: the grouping's dimension values (others None), `grouping` (the tuple of dimensions
    it groups by), counts per outcome, `breach_minutes`, and `response_p50_minutes` /
    `response_p90_minutes` (business time; percentile_cont, interpolated).
    """
    dimensions = dict(dimensions or {})
    sets = [tuple(s) for s in grouping_sets]
    used = {name for grouping in sets for name in grouping}
    if used - {*BASE_DIMENSIONS, *dimensions}:
        raise ValueError(f"unknown dimensions {sorted(used - {*BASE_DIMENSIONS, *dimensions})}")
    # GROUPING() takes only columns some grouping set groups by.
    names = [name for name in (*BASE_DIMENSIONS, *dimensions) if name in used]
    inner = _with_outcomes(clocks.filter(tenant=tenant), now=now, zone=zone, **dimensions)
    inner_sql, params = inner.query.sql_with_params()
    columns = [_column(name) for name in names]
    grouping_sql = ", ".join(f"({', '.join(_column(n) for n in s)})" for s in sets)
    sql = f"""
        SELECT GROUPING({", ".join(columns)}) AS grouping_bits, {", ".join(columns)},
               count(*) FILTER (WHERE outcome = 'met') AS met,
               count(*) FILTER (WHERE outcome = 'breached') AS breached,
               count(*) FILTER (WHERE outcome = 'open') AS open,
               count(*) FILTER (WHERE outcome = 'stopped') AS stopped,
               coalesce(sum(breach_seconds), 0) / 60.0 AS breach_minutes,
               percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY response_seconds)
                   AS response_percentiles
          FROM ({inner_sql}) AS clock
         GROUP BY GROUPING SETS ({grouping_sql})
    """  # noqa: S608 - identifiers are checked above; every value is a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fields = [col.name for col in cursor.description]
        rows = [dict(zip(fields, values, strict=True)) for values in cursor.fetchall()]
    return [_shape(row, names) for row in rows]


def _shape(row: dict[str, Any], names: list[str]) -> dict[str, Any]:
    bits = row.pop("grouping_bits")
    # GROUPING(a, b, c): bit set = that column is NOT grouped in this row (leftmost = MSB).
    count = len(names)
    row["grouping"] = tuple(
        name for i, name in enumerate(names) if not bits & (1 << (count - 1 - i))
    )
    for name in names:
        row[name] = row.pop(_column(name))
    # One ordered-set aggregate for both percentiles: one sort per group, not two.
    percentiles = row.pop("response_percentiles") or [None, None]
    keys = ("response_p50_minutes", "response_p90_minutes")
    for key, seconds in zip(keys, percentiles, strict=True):
        row[key] = None if seconds is None else seconds / 60
    for key in ("breach_minutes", "response_p50_minutes", "response_p90_minutes"):
        if row[key] is not None:
            row[key] = round(float(row[key]), 1)
    return row


def clock_outcome_details(
    *,
    tenant: Tenant,
    clocks: QuerySet[SlaClock],
    now: datetime,
    zone: ZoneInfo,
    fields: Mapping[str, Any] | None = None,
    outcome: str | None = None,
    timestamps_as_text: bool = False,
) -> QuerySet:
    """One dict per clock with its outcome, oldest first. Read it with `.iterator()` (a
    server-side cursor: a CSV of any size streams without holding the rows in memory) or
    slice it. `timestamps_as_text`: the instants as ISO 8601 UTC text, for exports."""
    instant = IsoUtc if timestamps_as_text else (lambda expression: expression)
    rows = _with_outcomes(
        clocks.filter(tenant=tenant),
        now=now,
        zone=zone,
        clock_id=F("pk"),
        status_value=F("status"),
        started=instant(F("started_at")),
        due=instant(F("due_at")),
        answered=instant(F("met_at")),
        breached=instant(F("breached_at")),
        **dict(fields or {}),
    )
    if outcome is not None:
        if outcome not in OUTCOMES:
            raise ValueError(f"not an outcome: {outcome!r}")
        rows = rows.filter(outcome=outcome)
    return rows.order_by("started_at", "pk")
