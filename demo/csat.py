"""Satisfaction ratings in the demo: ionetech promises "customer feedback (satisfaction
rating) after resolution" (seed 002, section 9), so CSAT is on there; the other seeds promise
none, so it stays off for them (a tenant admin switches it on in the admin).

So that the flow can be tried at once, the rating requests of ionetech's resolved demo tickets
are made now, without waiting for the scan's delay (the requester sees the prompt on the
ticket page and has the email); idempotent: a ticket gets one survey.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.utils import timezone

from satisfaction.models import Survey
from satisfaction.services import RATED_STATUSES, settings_update, survey_create_for_ticket
from tenants.models import Tenant
from tickets.models import Ticket

CSAT_TENANTS = {"ionetech"}


def load_demo_csat(*, tenant: Tenant) -> None:
    settings = settings_update(
        tenant=tenant, enabled=tenant.slug in CSAT_TENANTS, delay_minutes=60, valid_days=14
    )
    if not settings.enabled:
        return
    has_survey = Survey.objects.filter(tenant=tenant, ticket=OuterRef("pk"))
    resolved = (
        Ticket.objects.for_tenant(tenant)
        .filter(status__in=RATED_STATUSES)
        .filter(~Exists(has_survey))
        .select_related("customer", "requester__user")
    )
    now = timezone.now()
    for ticket in resolved:
        survey_create_for_ticket(tenant=tenant, ticket=ticket, settings=settings, now=now)
