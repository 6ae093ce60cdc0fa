"""One object per URL kwarg of the satisfaction routes, for tests/test_isolation.py."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from satisfaction.models import SatisfactionSettings, Survey
from satisfaction.tokens import survey_token
from tests.factories import CustomerFactory, client_membership

from .helpers import resolved_ticket


def _survey(tenant) -> Survey:
    requester = client_membership(tenant, CustomerFactory(tenant=tenant))
    ticket = resolved_ticket(tenant=tenant, requester=requester)
    now = timezone.now()
    return Survey.objects.create(
        tenant=tenant, ticket=ticket, requester=requester, customer=requester.customer,
        plan_id=requester.customer.plan_id, resolved_at=ticket.resolved_at, created_at=now,
        expires_at=now + timedelta(days=14),
    )  # fmt: skip


URL_OBJECTS = {
    "survey_token": lambda tenant: survey_token(_survey(tenant).pk),
    "admin:satisfaction.survey": lambda tenant: _survey(tenant).pk,
    "admin:satisfaction.satisfactionsettings": lambda tenant: (
        SatisfactionSettings.objects.get_or_create(tenant=tenant)[0].pk
    ),
}
