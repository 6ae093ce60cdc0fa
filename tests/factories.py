"""Factories for the foundation's models. Apps add theirs in tests/<app>/factories.py."""

from __future__ import annotations

import factory

from sla.models import Plan
from tenants.models import Customer, Membership, Tenant, User
from tenants.roles import Role


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"tenant{n}")
    name = factory.LazyAttribute(lambda o: o.slug.title())
    time_zone = "America/New_York"
    reference_prefix = "TST"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.django.Password("pw-Secret-123")


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan

    tenant = factory.SubFactory(TenantFactory)
    key = factory.Sequence(lambda n: f"plan{n}")
    name = factory.LazyAttribute(lambda o: o.key.title())
    channels = ["email", "portal"]


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Customer {n}")
    plan = factory.LazyAttribute(lambda o: PlanFactory(tenant=o.tenant))


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    tenant = factory.SubFactory(TenantFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.AGENT
    tier = factory.LazyAttribute(lambda o: 1 if o.role == Role.AGENT else None)
    customer = None


def client_membership(tenant: Tenant, customer: Customer, **kwargs: object) -> Membership:
    return MembershipFactory(
        tenant=tenant, customer=customer, role=kwargs.pop("role", Role.CLIENT), **kwargs
    )
