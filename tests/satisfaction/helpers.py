"""Resolved tickets and surveys for the satisfaction tests."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta

from satisfaction.models import Survey
from satisfaction.services import satisfaction_requests_scan_cross_tenant, settings_update
from tests.sla.factories import PriorityFactory
from tickets.models import Status, Ticket

RESOLVED_AT = datetime(2026, 3, 2, 15, tzinfo=UTC)
AFTER_DELAY = RESOLVED_AT + timedelta(minutes=61)
_numbers = itertools.count(5001)


def resolved_ticket(*, tenant, requester, assignee=None, resolved_at=RESOLVED_AT) -> Ticket:
    number = next(_numbers)
    return Ticket.objects.create(
        tenant=tenant, customer=requester.customer, requester=requester, number=number,
        reference=f"{tenant.reference_prefix}-{number}", subject="Printer on fire",
        description="Details", priority=PriorityFactory(tenant=tenant), assignee=assignee,
        status=Status.RESOLVED, created_at=resolved_at - timedelta(hours=2),
        resolved_at=resolved_at,
    )  # fmt: skip


def csat_on(tenant, **kwargs) -> None:
    settings_update(tenant=tenant, enabled=True, **kwargs)


def survey_of(ticket) -> Survey:
    return Survey.objects.get(tenant=ticket.tenant, ticket=ticket)


def scan(now=AFTER_DELAY) -> int:
    return satisfaction_requests_scan_cross_tenant(now=now)


def link_path(url: str) -> str:
    """The path of an absolute link (the tests' client talks to the tenant's host)."""
    return re.sub(r"^https?://[^/]+", "", url)
