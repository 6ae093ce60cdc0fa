"""The parse task runs the intake under `tenant_scope` of the delivery's tenant."""

from __future__ import annotations

from unittest import mock

from notifications.inbound import intake
from notifications.inbound.models import InboundStatus
from notifications.inbound.tasks import inbound_parse
from tenants.scoping import current_tenant
from tickets.models import Ticket

from .test_query_counts import stored


def test_the_parse_runs_in_its_tenants_scope(acme, client_user):
    row = stored(acme)
    seen = []
    member_by_email = intake.selectors.member_by_email

    def probe(*, tenant, email):
        seen.append(current_tenant())
        return member_by_email(tenant=tenant, email=email)

    with mock.patch.object(intake.selectors, "member_by_email", probe):
        assert inbound_parse(row.pk) == InboundStatus.TICKET_CREATED
    assert seen == [acme]
    assert current_tenant() is None  # (left on the way out)


def test_a_query_not_scoped_to_the_tenant_fails_the_parse(acme, client_user):
    """Inside the guard a forgotten tenant filter raises: the delivery is kept as FAILED
    (shown to the tenant's admins) instead of reading every tenant's rows."""
    row = stored(acme)
    member_by_email = intake.selectors.member_by_email

    def nosy(*, tenant, email):
        Ticket.objects.count()  # no tenant filter
        return member_by_email(tenant=tenant, email=email)

    with mock.patch.object(intake.selectors, "member_by_email", nosy):
        assert inbound_parse(row.pk) == InboundStatus.FAILED
    row.refresh_from_db()
    assert "Unscoped" in row.error and Ticket.objects.count() == 0
