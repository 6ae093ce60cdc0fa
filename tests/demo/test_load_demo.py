import pytest
from django.core.management import CommandError, call_command
from django.db.models import Max

from sla.models import Plan
from tenants.models import Customer, Membership, Tenant, User

SEED_PLANS = {
    "bitcraft": {"standard", "premium"},
    "bytez": {"standard", "premium"},
    "ionetech": {"standard"},
    "cloudops": {"standard", "enterprise"},
}


@pytest.fixture
def demo(db, settings):
    settings.DEBUG = True
    call_command("load_demo")


def test_it_creates_the_four_seed_tenants_with_their_zones(demo):
    zones = dict(Tenant.objects.values_list("slug", "time_zone"))
    assert zones == {
        "bitcraft": "Asia/Kolkata",
        "bytez": "America/New_York",
        "ionetech": "Asia/Phnom_Penh",
        "cloudops": "America/Chicago",
    }


def test_every_plan_has_a_customer_with_a_client_admin_and_a_client(demo):
    for slug, plans in SEED_PLANS.items():
        tenant = Tenant.objects.get(slug=slug)
        assert set(Plan.objects.for_tenant(tenant).values_list("key", flat=True)) == plans
        for plan in plans:
            client = User.objects.get(email=f"client@{plan}.{slug}.example")
            membership = client.memberships.get(tenant=tenant)
            assert membership.role == "client"
            assert membership.customer.plan.key == plan
            admin = User.objects.get(email=f"admin@{plan}.{slug}.example")
            assert admin.memberships.get(tenant=tenant).role == "client_admin"


def test_staff_roles_and_tiers(demo):
    bytez = Tenant.objects.get(slug="bytez")
    roles = {
        m.user.email: (m.role, m.tier)
        for m in Membership.objects.for_tenant(bytez).filter(customer__isnull=True)
    }
    assert roles["admin@bytez.example"] == ("tenant_admin", None)
    assert roles["manager@bytez.example"] == ("manager", None)
    assert roles["lead@bytez.example"] == ("team_lead", None)
    assert roles["exec@bytez.example"] == ("executive", None)
    assert [roles[f"agent{n}@bytez.example"] for n in (1, 2, 3)] == [
        ("agent", 1), ("agent", 2), ("agent", 3)
    ]


def test_demo_password_works(demo):
    assert User.objects.get(email="client@standard.bytez.example").check_password("demo")


def test_running_it_twice_changes_nothing(demo):
    def snapshot():
        return (
            Tenant.objects.count(), User.objects.count(), Membership.objects.count(),
            Customer.objects.count(), Plan.objects.count(),
            User.objects.aggregate(Max("id")),
            list(User.objects.values_list("password", flat=True)),
        )

    before = snapshot()
    call_command("load_demo")
    assert snapshot() == before


def test_it_refuses_when_debug_is_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("load_demo")
    assert Tenant.objects.count() == 0
    call_command("load_demo", "--force")
    assert Tenant.objects.count() == 4
