from __future__ import annotations

import pytest

from notifications.inbound.routing import routing_cache_clear

from .esp import MAILGUN_SIGNING_KEY, OLD_WEBHOOK_SECRET, WEBHOOK_SECRET


@pytest.fixture(autouse=True)
def inbound_settings(settings):
    settings.ANYMAIL = {
        "WEBHOOK_SECRET": [WEBHOOK_SECRET, OLD_WEBHOOK_SECRET],
        "MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_SIGNING_KEY,
    }
    settings.INBOUND_DOMAIN = "in.helpdesk.test"
    routing_cache_clear()
    yield settings
    routing_cache_clear()


SUPPORT = "help@acme.example"
OTHER_SUPPORT = "help@globex.example"


@pytest.fixture
def acme(tenant, customer, other_customer, client_user, other_client):
    """`tenant` receiving mail at help@acme.example; Initech owns initech.example."""
    from tests.tickets.factories import sla_config

    tenant.inbound_email = SUPPORT
    tenant.save()
    customer.email_domains = ["initech.example"]
    customer.save()
    other_customer.email_domains = ["umbrella.example"]
    other_customer.save()
    sla_config(tenant, customer.plan)
    sla_config(tenant, other_customer.plan)
    return tenant


@pytest.fixture
def globex(other_tenant):
    from tests.factories import CustomerFactory, client_membership
    from tests.tickets.factories import sla_config

    other_tenant.inbound_email = OTHER_SUPPORT
    other_tenant.save()
    customer = CustomerFactory(tenant=other_tenant, name="Globex client", email_domains=[])
    client_membership(other_tenant, customer, user__email="client@initech.example")
    sla_config(other_tenant, customer.plan)
    return other_tenant
