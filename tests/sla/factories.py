"""Factories for SLA configuration, and a bare Ticket row for clock tests.

Tickets are created straight with the ORM here: the ticket services belong to the tickets app;
these tests drive the SLA services the way those services will.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import factory

from sla.models import Calendar, Metric, Plan, Priority, SupportPolicy, Target
from tenants.roles import Role
from tests.factories import CustomerFactory, MembershipFactory, PlanFactory, TenantFactory
from tickets.models import Ticket

WEEKDAYS_9_TO_5 = {str(day): ["09:00-17:00"] for day in range(5)}


class CalendarFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Calendar

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Calendar {n}")
    time_zone = "America/New_York"
    weekly = WEEKDAYS_9_TO_5


class PriorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Priority

    tenant = factory.SubFactory(TenantFactory)
    key = factory.Sequence(lambda n: f"p{n}")
    label = factory.LazyAttribute(lambda o: o.key.upper())
    order = factory.Sequence(lambda n: n)


class SupportPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupportPolicy

    tenant = factory.SubFactory(TenantFactory)
    plan = factory.LazyAttribute(lambda o: PlanFactory(tenant=o.tenant))
    version = factory.Sequence(lambda n: n + 1)
    effective_from = datetime(2020, 1, 1, tzinfo=UTC)
    warning_thresholds = [50, 75]


class TargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Target

    tenant = factory.SubFactory(TenantFactory)
    policy = factory.LazyAttribute(lambda o: SupportPolicyFactory(tenant=o.tenant))
    priority = factory.LazyAttribute(lambda o: PriorityFactory(tenant=o.tenant))
    metric = Metric.FIRST_RESPONSE
    duration = timedelta(hours=4)
    calendar = factory.LazyAttribute(lambda o: CalendarFactory(tenant=o.tenant))


_numbers = itertools.count(1)


def make_ticket(
    *, tenant, priority: Priority, plan: Plan | None = None, created_at: datetime | None = None
) -> Ticket:
    """A Ticket row (no services): customer on `plan`, a client requester."""
    customer = CustomerFactory(tenant=tenant, plan=plan or PlanFactory(tenant=tenant))
    requester = MembershipFactory(tenant=tenant, role=Role.CLIENT, customer=customer)
    number = next(_numbers)
    return Ticket.objects.create(
        tenant=tenant,
        customer=customer,
        requester=requester,
        number=number,
        reference=f"{tenant.slug.upper()}-{number}",
        subject="Something broke",
        description="Details",
        priority=priority,
        created_at=created_at or datetime(2026, 3, 2, 14, tzinfo=UTC),
    )


def sla_setup(tenant, *, targets: dict[str, timedelta], calendar: Calendar | None = None, **policy):
    """A plan with one policy and one priority having `targets` (metric -> duration)."""
    calendar = calendar or CalendarFactory(tenant=tenant)
    plan = PlanFactory(tenant=tenant)
    policy_row = SupportPolicyFactory(tenant=tenant, plan=plan, **policy)
    priority = PriorityFactory(tenant=tenant)
    for metric, duration in targets.items():
        TargetFactory(
            tenant=tenant, policy=policy_row, priority=priority, metric=metric,
            duration=duration, calendar=calendar,
        )  # fmt: skip
    return plan, policy_row, priority, calendar


def write_deadlines(tenant, ticket, deadlines) -> None:
    """What tickets' services do with the deadlines a clocks_* service returns: write them."""
    from tickets.services.deadlines import TicketRowsForSla

    TicketRowsForSla().write_deadlines(tenant=tenant, deadlines={ticket.pk: deadlines})


def start_clocks(*, tenant, ticket, plan: Plan, priority: Priority, at: datetime):
    """Plan and start a ticket row's clocks (as ticket_create does); returns the policy."""
    from sla.services import clocks_plan, clocks_start

    clock_plan = clocks_plan(tenant=tenant, plan=plan, priority=priority, at=at)
    Ticket.objects.for_tenant(tenant).filter(pk=ticket.pk).update(policy=clock_plan.policy)
    ticket.policy = clock_plan.policy
    write_deadlines(tenant, ticket, clocks_start(tenant=tenant, ticket_id=ticket.pk,
                                                 clock_plan=clock_plan))  # fmt: skip
    return clock_plan.policy
