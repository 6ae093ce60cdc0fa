"""The report's escalation section: escalations per level and median time to acknowledge.

Kept apart from the clock figures on purpose: `escalation_rows` reads the escalation
records in one query (the level each stands at now: an escalation that climbed counts at the
level it reached, and its time to acknowledge runs from its creation).

The aggregation (`escalation_level_figures`) is a pure function over those tuples, tested on
its own: escalations are few (one per breach at most per level), unlike clocks.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tenants.models import Tenant

# (level, created_at, acknowledged_at or None)
EscalationRow = tuple[int, datetime, datetime | None]

NOT_YET_AVAILABLE = "Escalation figures appear once escalations are recorded."


@dataclass(frozen=True)
class EscalationLevelFigures:
    level: int
    escalations: int
    acknowledged: int
    median_minutes_to_acknowledge: float | None  # wall-clock, over the acknowledged ones


@dataclass(frozen=True)
class EscalationSection:
    available: bool
    levels: list[EscalationLevelFigures]
    message: str = ""


def escalation_rows(
    *,
    tenant: Tenant,
    started_from: datetime,
    started_before: datetime,
    plan_id: int | None = None,
    customer_id: int | None = None,
) -> list[EscalationRow] | None:
    """The escalations created in the range, as (level, created_at, acknowledged_at) tuples;
    one query. (None would mean "not available": the page keeps that state for safety.)"""
    from escalation.models import Escalation

    rows = Escalation.objects.for_tenant(tenant).filter(
        created_at__gte=started_from, created_at__lt=started_before
    )
    if customer_id is not None:
        rows = rows.filter(ticket__customer_id=customer_id)
    if plan_id is not None:
        rows = rows.filter(ticket__policy__plan_id=plan_id)
    return list(rows.values_list("level_number", "created_at", "acknowledged_at"))


def escalation_level_figures(rows: Iterable[EscalationRow]) -> list[EscalationLevelFigures]:
    """Per level (ascending): how many escalations, how many acknowledged, and the median
    wall-clock minutes from creation to acknowledgement (None when none was acknowledged).
    An acknowledgement stamped before its creation (clock skew) counts as zero minutes."""
    waits: dict[int, list[float]] = defaultdict(list)
    counts: dict[int, int] = defaultdict(int)
    for level, created_at, acknowledged_at in rows:
        counts[level] += 1
        if acknowledged_at is not None:
            waits[level].append(max((acknowledged_at - created_at).total_seconds(), 0.0) / 60)
    return [
        EscalationLevelFigures(
            level=level,
            escalations=counts[level],
            acknowledged=len(waits[level]),
            median_minutes_to_acknowledge=(
                round(statistics.median(waits[level]), 1) if waits[level] else None
            ),
        )
        for level in sorted(counts)
    ]


def escalation_section(
    *,
    tenant: Tenant,
    started_from: datetime,
    started_before: datetime,
    plan_id: int | None = None,
    customer_id: int | None = None,
) -> EscalationSection:
    rows = escalation_rows(
        tenant=tenant, started_from=started_from, started_before=started_before,
        plan_id=plan_id, customer_id=customer_id,
    )  # fmt: skip
    if rows is None:
        return EscalationSection(available=False, levels=[], message=NOT_YET_AVAILABLE)
    return EscalationSection(available=True, levels=escalation_level_figures(rows))
