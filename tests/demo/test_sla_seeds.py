"""Deadlines derived from seed-policies.md, computed through the real models.

Each case: load the seed, create a ticket row, call `clocks_start`, compare `due_at` exactly.
Times are written in the calendar's own zone (the way the policy reads) and compared in UTC.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from demo.sla_seeds import load_seed_policy
from sla.models import Calendar, Metric, Plan, PolicySection, Priority, SlaClock, Target
from tests.sla.factories import make_ticket, start_clocks

KOLKATA = ZoneInfo("Asia/Kolkata")
NEW_YORK = ZoneInfo("America/New_York")
PHNOM_PENH = ZoneInfo("Asia/Phnom_Penh")
CHICAGO = ZoneInfo("America/Chicago")
UTC = ZoneInfo("UTC")

CASES = [
    # bitcraft: Mon-Fri 10:00-18:00 Kolkata; critical on 24/7.
    ("bitcraft", "standard", "high", datetime(2026, 3, 6, 16, tzinfo=KOLKATA),  # Fri
     datetime(2026, 3, 9, 12, tzinfo=KOLKATA), "weekend: 2h Fri + 2h Mon"),
    ("bitcraft", "standard", "critical", datetime(2026, 3, 7, 23, 30, tzinfo=KOLKATA),  # Sat
     datetime(2026, 3, 8, 0, 30, tzinfo=KOLKATA), "critical 1h 24/7 on a Saturday night"),
    ("bitcraft", "premium", "medium", datetime(2026, 3, 4, 9, tzinfo=KOLKATA),  # Wed
     datetime(2026, 3, 6, 18, tzinfo=KOLKATA), "24bh = three 8h days from opening"),
    ("bitcraft", "standard", "low", datetime(2026, 3, 2, 10, tzinfo=KOLKATA),
     datetime(2026, 3, 9, 18, tzinfo=KOLKATA), "48bh = six days over a weekend"),
    # bytez: Mon-Fri 09:00-18:00 New York, US federal holidays; premium P1 1h 24/7.
    ("bytez", "standard", "critical", datetime(2026, 3, 6, 16, tzinfo=NEW_YORK),
     datetime(2026, 3, 9, 11, tzinfo=NEW_YORK), "weekend + DST starts Sun 8 Mar"),
    ("bytez", "standard", "medium", datetime(2026, 11, 25, 12, tzinfo=NEW_YORK),
     datetime(2026, 11, 30, 12, tzinfo=NEW_YORK), "Thanksgiving skipped: 6h+9h+3h"),
    ("bytez", "premium", "critical", datetime(2026, 7, 4, 10, tzinfo=NEW_YORK),
     datetime(2026, 7, 4, 11, tzinfo=NEW_YORK), "24/7 counts the 4th of July"),
    ("bytez", "premium", "high", datetime(2026, 7, 3, 10, tzinfo=NEW_YORK),
     datetime(2026, 7, 6, 13, tzinfo=NEW_YORK), "Independence Day observed Fri 3 Jul"),
    ("bytez", "standard", "low", datetime(2026, 10, 30, 9, tzinfo=NEW_YORK),
     datetime(2026, 11, 3, 18, tzinfo=NEW_YORK), "27bh across the fall-back weekend"),
    # ionetech: Mon-Fri 08:00-18:00, Sat 09:00-13:00 Phnom Penh.
    ("ionetech", "standard", "critical", datetime(2026, 3, 7, 12, 30, tzinfo=PHNOM_PENH),
     datetime(2026, 3, 9, 8, 30, tzinfo=PHNOM_PENH), "30m Saturday + 30m Monday"),
    ("ionetech", "standard", "high", datetime(2026, 3, 6, 17, tzinfo=PHNOM_PENH),
     datetime(2026, 3, 7, 12, tzinfo=PHNOM_PENH), "1h Friday + 3h Saturday morning"),
    ("ionetech", "standard", "medium", datetime(2026, 3, 7, 14, tzinfo=PHNOM_PENH),
     datetime(2026, 3, 11, 12, tzinfo=PHNOM_PENH), "after Saturday hours: 10h+10h+4h"),
    # cloudops: standard Mon-Fri 08:00-17:00 Chicago + US holidays; enterprise 30 min 24/7.
    ("cloudops", "standard", "high", datetime(2026, 3, 6, 15, tzinfo=CHICAGO),
     datetime(2026, 3, 9, 15, tzinfo=CHICAGO), "9bh over weekend + DST start"),
    ("cloudops", "standard", "low", datetime(2026, 12, 24, 10, tzinfo=CHICAGO),
     datetime(2026, 12, 28, 10, tzinfo=CHICAGO), "Christmas Day observed Fri 25 Dec"),
    ("cloudops", "enterprise", "medium", datetime(2026, 12, 25, 23, 45, tzinfo=CHICAGO),
     datetime(2026, 12, 26, 0, 15, tzinfo=CHICAGO), "24/7 including holidays"),
    ("cloudops", "enterprise", "high", datetime(2026, 11, 1, 6, 45, tzinfo=UTC),
     datetime(2026, 11, 1, 7, 15, tzinfo=UTC), "30 real minutes across 01:45 CDT fall-back"),
]  # fmt: skip


@pytest.mark.parametrize(("seed", "plan_key", "priority_key", "created", "due", "why"), CASES)
def test_it_computes_the_seed_deadline(tenant, seed, plan_key, priority_key, created, due, why):
    load_seed_policy(tenant=tenant, seed=seed)
    plan = Plan.objects.get(tenant=tenant, key=plan_key)
    priority = Priority.objects.get(tenant=tenant, key=priority_key)
    ticket = make_ticket(tenant=tenant, priority=priority, plan=plan, created_at=created)

    policy = start_clocks(tenant=tenant, ticket=ticket, plan=plan, priority=priority, at=created)

    assert policy is not None and policy.plan_id == plan.pk
    clock = SlaClock.objects.get(ticket=ticket, metric=Metric.FIRST_RESPONSE)
    assert clock.due_at == due.astimezone(UTC), why
    ticket.refresh_from_db()
    assert ticket.first_response_due_at == due.astimezone(UTC)
    assert ticket.next_due_at == due.astimezone(UTC)
    assert ticket.resolution_due_at is None  # no resolution target in the seeds


def test_it_loads_each_seed_idempotently(tenant):
    load_seed_policy(tenant=tenant, seed="bytez")
    counts = (Plan.objects.count(), Target.objects.count(), Calendar.objects.count())
    load_seed_policy(tenant=tenant, seed="bytez")
    assert (Plan.objects.count(), Target.objects.count(), Calendar.objects.count()) == counts
    assert counts == (2, 8, 2)
    assert PolicySection.objects.filter(tenant=tenant).count() == 14


def test_cloudops_has_no_critical_priority(tenant):
    load_seed_policy(tenant=tenant, seed="cloudops")
    keys = list(Priority.objects.filter(tenant=tenant).values_list("key", flat=True))
    assert keys == ["high", "medium", "low"]


def test_bytez_premium_critical_runs_on_the_always_open_calendar(tenant):
    load_seed_policy(tenant=tenant, seed="bytez")
    target = Target.objects.get(
        tenant=tenant, policy__plan__key="premium", priority__key="critical"
    )
    assert target.calendar.always_open
    assert Calendar.objects.get(tenant=tenant, name="US business hours").holiday_country == "US"
