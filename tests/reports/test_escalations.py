"""The escalation section: a pure aggregation over (level, created_at, acknowledged_at), and a
the page and the API over real escalation records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from escalation import services
from escalation.models import Source
from escalation.reports.escalations import (
    EscalationLevelFigures,
    escalation_level_figures,
    escalation_section,
)
from tenants.roles import Role
from tests.conftest import login_as
from tests.escalation.factories import ladder, role_level, ticket_for
from tests.factories import MembershipFactory

T = datetime(2026, 3, 2, 14, tzinfo=UTC)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


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


@pytest.mark.django_db
def test_the_page_and_the_api_count_real_escalations_per_level(
    client, tenant, agent, manager, other_tenant
):
    """Two escalations: one acknowledged at level 1 after 30 min, one climbed to level 2 and
    acknowledged there 90 min after it was opened; another tenant's is never counted."""
    ladder(tenant, [role_level(Role.TEAM_LEAD), role_level(Role.MANAGER)])
    lead = MembershipFactory(tenant=tenant, role=Role.TEAM_LEAD, user__email="l@acme.example")
    first, second = (
        services.escalation_open(tenant=tenant, ticket=ticket_for(tenant), source=Source.AGENT,
                                 reason="help", requested_by=agent, at=T)  # fmt: skip
        for _ in range(2)
    )
    services.escalation_acknowledge(tenant=tenant, escalation=first, actor=lead,
                                    at=T + minutes(30))  # fmt: skip
    services.escalation_climb(tenant=tenant, escalation=second, at=T + hours(5))
    services.escalation_acknowledge(tenant=tenant, escalation=second, actor=manager,
                                     at=T + hours(5) + minutes(90))  # fmt: skip
    other_agent = MembershipFactory(tenant=other_tenant, role=Role.AGENT)
    services.escalation_open(tenant=other_tenant, ticket=ticket_for(other_tenant),
                             source=Source.AGENT, reason="x", requested_by=other_agent, at=T)

    section = escalation_section(tenant=tenant, started_from=T - hours(1),
                                 started_before=T + hours(24))  # fmt: skip
    assert section.available is True
    assert section.levels == [
        EscalationLevelFigures(level=1, escalations=1, acknowledged=1,
                               median_minutes_to_acknowledge=30.0),
        EscalationLevelFigures(level=2, escalations=1, acknowledged=1,
                               median_minutes_to_acknowledge=390.0),
    ]  # fmt: skip
    assert escalation_section(tenant=tenant, started_from=T + hours(1),
                              started_before=T + hours(24)).levels == []  # fmt: skip

    login_as(client, manager)
    query = {"date_from": "2026-03-01", "date_to": "2026-03-31"}
    with time_machine.travel(T + hours(30), tick=False):
        page = client.get("/reports/", query)
        api = client.get("/api/reports/sla/", query)
    assert page.status_code == 200 and api.status_code == 200
    html = page.content.decode()
    section_html = html.split('id="escalations"', 1)[1].split("</section>", 1)[0]
    assert "390.0" in section_html and "30.0" in section_html
    assert api.json()["escalations"]["levels"] == [
        {"level": 1, "escalations": 1, "acknowledged": 1, "median_minutes_to_acknowledge": 30.0},
        {"level": 2, "escalations": 1, "acknowledged": 1, "median_minutes_to_acknowledge": 390.0},
    ]
