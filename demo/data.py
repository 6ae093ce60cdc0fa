"""The four seed tenants of seed-policies.md and their demo people (password `demo`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from demo.notices import load_demo_notices
from demo.sla_seeds import load_seed_policy
from demo.ticket_seeds import load_ticket_demo
from tenants.models import Customer, Membership, Tenant, User
from tenants.roles import Role

DEMO_PASSWORD = "demo"  # noqa: S105 - documented demo credential, refused when DEBUG is off


@dataclass(frozen=True)
class DemoTenant:
    slug: str
    name: str
    time_zone: str
    prefix: str
    # The address the helpdesk receives this tenant's mail on, shown on the policy page under
    # "Channels" and "Contact". Seeds 000 and 002 give their real addresses; 001 and 003 give
    # none readable (the published pages hide them), so those use the demo domain.
    inbound_email: str = ""


DEMO_TENANTS = [
    DemoTenant("bitcraft", "TheBitCraft", "Asia/Kolkata", "BIT", "hello@thebitcraft.com"),
    DemoTenant("bytez", "BytezTech", "America/New_York", "BYT"),
    DemoTenant("ionetech", "I One Tech Solutions", "Asia/Phnom_Penh", "ION",
               "sales@ionetechsolution.biz"),
    DemoTenant("cloudops", "CloudOps Infrastructure", "America/Chicago", "CLD"),
]  # fmt: skip

STAFF = [
    ("admin", Role.TENANT_ADMIN, None, "Admin"),
    ("manager", Role.MANAGER, None, "Morgan Manager"),
    ("lead", Role.TEAM_LEAD, None, "Lee Lead"),
    ("exec", Role.EXECUTIVE, None, "Erin Executive"),
    ("agent1", Role.AGENT, 1, "Alex Agent (tier 1)"),
    ("agent2", Role.AGENT, 2, "Sam Agent (tier 2)"),
    ("agent3", Role.AGENT, 3, "Robin Agent (tier 3)"),
]


def _user(email: str, full_name: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, DEMO_PASSWORD, full_name=full_name)
    return user


def _member(tenant: Tenant, user: User, role: str, **extra: object) -> Membership:
    membership, _ = Membership.objects.for_tenant(tenant).get_or_create(
        tenant=tenant, user=user, defaults={"role": role, **extra}
    )
    return membership


@transaction.atomic
def load_demo_tenant(spec: DemoTenant) -> Tenant:
    tenant, _ = Tenant.objects.get_or_create(
        slug=spec.slug,
        defaults={
            "name": spec.name,
            "time_zone": spec.time_zone,
            "reference_prefix": spec.prefix,
            "inbound_email": spec.inbound_email or f"support@{spec.slug}.example",
        },
    )
    staff = {}
    for local, role, tier, full_name in STAFF:
        user = _user(f"{local}@{spec.slug}.example", full_name)
        staff[local] = _member(tenant, user, role, tier=tier)
    for plan in load_seed_policy(tenant=tenant, seed=spec.slug):
        customer, _ = Customer.objects.for_tenant(tenant).get_or_create(
            tenant=tenant,
            name=f"{plan.name} Customer Inc.",
            defaults={
                "plan": plan,
                "email_domains": [f"{plan.key}.{spec.slug}.example"],
                "account_manager": staff["manager"],
            },
        )
        domain = f"{plan.key}.{spec.slug}.example"
        client_admin = _member(
            tenant,
            _user(f"admin@{domain}", f"{plan.name} Client Admin"),
            Role.CLIENT_ADMIN,
            customer=customer,
        )
        client = _member(
            tenant, _user(f"client@{domain}", f"{plan.name} Client"), Role.CLIENT, customer=customer
        )
        if customer.primary_contact_id is None:
            customer.primary_contact = client_admin
            customer.secondary_contact = client
            customer.save(update_fields=["primary_contact", "secondary_contact"])
    load_ticket_demo(tenant=tenant)
    load_demo_notices(tenant=tenant)
    return tenant


def load_demo() -> list[Tenant]:
    return [load_demo_tenant(spec) for spec in DEMO_TENANTS]
