"""Clock outcomes as the report counts them, for states the ticket flow reaches."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from escalation.reports import selectors
from escalation.reports.filters import ReportFilters
from sla import report_selectors
from tickets import services

from .factories import T0, overdue_ticket

MARCH = {"date_from": T0.date().replace(day=1), "date_to": T0.date().replace(day=31)}


def report(tenant, now):
    plans, priorities, customers = selectors.report_choices(tenant=tenant)
    filters = ReportFilters(zone=ZoneInfo(tenant.time_zone), **MARCH)
    return selectors.sla_report(tenant=tenant, filters=filters, plans=plans,
                                priorities=priorities, customers=customers, now=now)  # fmt: skip


def test_a_running_clock_before_its_deadline_is_open_and_after_it_breached(tenant, client_user):
    overdue_ticket(client_user)
    before = report(tenant, T0 + timedelta(hours=3)).totals["first_response"]
    assert (before.met, before.breached, before.open) == (0, 0, 1)
    assert before.attainment is None
    after = report(tenant, T0 + timedelta(hours=4, minutes=30)).totals["first_response"]
    assert (after.breached, after.open, after.breach_minutes) == (1, 0, 30.0)


def test_a_paused_clock_counts_by_what_it_had_consumed(tenant, client_user, agent):
    ticket = overdue_ticket(client_user)
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        services.ticket_reply(tenant=tenant, ticket=ticket, author=agent, body="Which printer?")
        services.ticket_set_status(tenant=tenant, ticket=ticket, status="pending_customer",
                                   actor=agent)  # fmt: skip
    # Days later, resolution (24 h) has consumed 1 h only: still open, not breached.
    figures = report(tenant, T0 + timedelta(days=5)).totals["resolution"]
    assert (figures.met, figures.breached, figures.open) == (0, 0, 1)


def test_next_response_stopped_at_resolve_is_left_out(tenant, client_user, agent):
    from sla.models import Calendar, Metric, SupportPolicy, Target
    from tickets.models import Ticket

    ticket = overdue_ticket(client_user)
    Target.objects.create(
        tenant=tenant, policy=SupportPolicy.objects.get(tenant=tenant), priority=ticket.priority,
        metric=Metric.NEXT_RESPONSE, duration=timedelta(hours=2),
        calendar=Calendar.objects.get(tenant=tenant),
    )  # fmt: skip
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        services.ticket_reply(tenant=tenant, ticket=ticket, author=agent, body="Hello")
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        services.ticket_reply(tenant=tenant, ticket=ticket, author=client_user, body="Still broken")
    ticket = Ticket.objects.get(pk=ticket.pk)
    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        services.ticket_resolve(tenant=tenant, ticket=ticket, actor=agent)
    totals = report(tenant, T0 + timedelta(hours=4)).totals
    assert (totals["resolution"].met, totals["first_response"].met) == (1, 1)
    next_response = totals["next_response"]
    assert next_response.stopped == 1
    assert (next_response.met, next_response.breached, next_response.open) == (0, 0, 0)
    assert next_response.attainment is None


def test_unknown_dimensions_and_outcomes_are_refused(tenant):
    clocks = report_selectors.report_clocks(
        tenant=tenant, started_from=T0, started_before=T0 + timedelta(days=1)
    )
    with pytest.raises(ValueError, match="unknown"):
        report_selectors.clock_outcome_rows(
            tenant=tenant, clocks=clocks, now=T0, zone=ZoneInfo("UTC"),
            grouping_sets=[("metric", "x; DROP TABLE")],
        )  # fmt: skip
    with pytest.raises(ValueError, match="outcome"):
        report_selectors.clock_outcome_details(
            tenant=tenant, clocks=clocks, now=T0, zone=ZoneInfo("UTC"), outcome="nope"
        )
