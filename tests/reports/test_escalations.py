"""The escalation section: a pure aggregation over (level, created_at, acknowledged_at), and a
page that says the figures are not available yet rather than inventing them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from escalation.reports.escalations import (
    NOT_YET_AVAILABLE,
    EscalationLevelFigures,
    escalation_level_figures,
    escalation_section,
)

T = datetime(2026, 3, 2, 14, tzinfo=UTC)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def test_it_counts_per_level_and_takes_the_median_of_the_acknowledged():
    rows = [
        (2, T, T + minutes(30)),
        (1, T, T + minutes(10)),
        (1, T, T + minutes(40)),
        (1, T, None),  # not acknowledged: counted, not in the median
        (1, T, T + minutes(20)),
        (3, T, None),
    ]
    assert escalation_level_figures(rows) == [
        EscalationLevelFigures(level=1, escalations=4, acknowledged=3,
                               median_minutes_to_acknowledge=20.0),
        EscalationLevelFigures(level=2, escalations=1, acknowledged=1,
                               median_minutes_to_acknowledge=30.0),
        EscalationLevelFigures(level=3, escalations=1, acknowledged=0,
                               median_minutes_to_acknowledge=None),
    ]  # fmt: skip


def test_an_even_count_takes_the_middle_two_and_skew_is_zero():
    rows = [(1, T, T + minutes(10)), (1, T, T + minutes(25)), (1, T, T - minutes(5))]
    assert escalation_level_figures(rows)[0].median_minutes_to_acknowledge == 10.0
    rows.append((1, T, T + minutes(40)))
    assert escalation_level_figures(rows)[0].median_minutes_to_acknowledge == 17.5


def test_no_rows_no_levels():
    assert escalation_level_figures([]) == []


def test_the_section_says_not_yet_available_without_numbers(tenant):
    section = escalation_section(tenant=tenant, started_from=T, started_before=T + minutes(1))
    assert section.available is False
    assert section.levels == []
    assert section.message == NOT_YET_AVAILABLE
