import pytest
from django.core.management import call_command

from tenants.models import Tenant
from tickets.models import Category, Ticket


@pytest.fixture
def demo(db, settings):
    settings.DEBUG = True
    call_command("load_demo")


def test_the_demo_has_categories_and_tickets_and_loads_idempotently(demo):
    ionetech = Tenant.objects.get(slug="ionetech")
    categories = Category.objects.filter(tenant=ionetech).order_by("order")
    assert [c.name for c in categories] == [
        "Technical",
        "Billing & Financial",
        "Infrastructure & Maintenance",
        "Security & Compliance",
    ]
    assert all(c.guidance for c in categories)
    for tenant in Tenant.objects.all():
        tickets = Ticket.objects.filter(tenant=tenant)
        assert tickets.count() >= 4
        assert tickets.filter(next_due_at__isnull=False).exists()
    before = Ticket.objects.count()
    call_command("load_demo")
    assert Ticket.objects.count() == before
