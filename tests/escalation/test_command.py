"""`manage.py escalation_scan` (for operators) and the beat schedule entry."""

from __future__ import annotations

from datetime import UTC, datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from escalation import services
from escalation.models import Source
from helpdesk.celery import app
from tenants.roles import Role

from .factories import ladder, role_level, ticket_for


@pytest.mark.django_db
def test_the_command_climbs_what_is_due_and_says_so(tenant, agent, manager):
    ladder(tenant, [role_level(Role.TEAM_LEAD, hours=1), role_level(Role.MANAGER)])
    at = datetime(2026, 3, 2, 15, tzinfo=UTC)
    escalation = services.escalation_open(tenant=tenant, ticket=ticket_for(tenant),
                                          source=Source.AGENT, reason="x", requested_by=agent,
                                          at=at)  # fmt: skip
    out = StringIO()
    with time_machine.travel(escalation.acknowledge_by, tick=False):
        call_command("escalation_scan", stdout=out)
        assert "climbed 1" in out.getvalue()
        call_command("escalation_scan", stdout=out)
    assert out.getvalue().count("climbed 0") == 1
    escalation.refresh_from_db()
    assert escalation.level_number == 2


def test_beat_runs_the_scan_and_the_outbox_retry():
    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {"escalation.tasks.escalation_scan",
            "notifications.outbound.deliveries_retry_due"} <= tasks  # fmt: skip


@pytest.mark.django_db
def test_the_schema_documents_the_escalation_api(client):
    schema = client.get("/api/schema/", HTTP_HOST="localhost").content.decode()
    for path in ("/api/escalations/", "/api/escalations/{escalation_id}/acknowledge/",
                 "/api/escalations/{escalation_id}/resolve/",
                 "/api/tickets/{reference}/escalate/"):  # fmt: skip
        assert path in schema
