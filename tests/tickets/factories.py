"""Ticket test data: SLA configuration rows made directly, tickets made through the services."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sla.models import Calendar, Metric, Plan, Priority, SupportPolicy, Target
from tenants.models import Membership, Tenant
from tests.factories import CustomerFactory, client_membership
from tickets import services
from tickets.models import Category, Ticket

PRIORITIES = [
    ("critical", "Critical", "System down, no workaround.", 1, 4),
    ("high", "High", "Major function impaired.", 4, 24),
    ("medium", "Medium", "Important function affected, workaround exists.", 8, 48),
    ("low", "Low", "Minor issue or question.", 24, 96),
]


def sla_config(tenant: Tenant, plan: Plan | None = None) -> dict[str, Priority]:
    """A 24/7 calendar, four priorities and a policy for `plan` (hours: first response,
    resolution). Idempotent per tenant and plan."""
    calendar, _ = Calendar.objects.get_or_create(
        tenant=tenant, name="24/7", defaults={"time_zone": "UTC", "always_open": True}
    )
    priorities = {}
    for order, (key, label, definition, _frt, _res) in enumerate(PRIORITIES):
        priorities[key], _ = Priority.objects.get_or_create(
            tenant=tenant,
            key=key,
            defaults={"label": label, "definition": definition, "order": order},
        )
    if plan is not None:
        policy, created = SupportPolicy.objects.get_or_create(
            tenant=tenant,
            plan=plan,
            version=1,
            defaults={"effective_from": datetime(2000, 1, 1, tzinfo=UTC)},
        )
        if created:
            for key, _label, _definition, frt, res in PRIORITIES:
                for metric, hours in ((Metric.FIRST_RESPONSE, frt), (Metric.RESOLUTION, res)):
                    Target.objects.create(
                        tenant=tenant,
                        policy=policy,
                        priority=priorities[key],
                        metric=metric,
                        duration=timedelta(hours=hours),
                        calendar=calendar,
                    )
    return priorities


def category(tenant: Tenant, key: str = "technical", name: str = "Technical") -> Category:
    return Category.objects.get_or_create(
        tenant=tenant, key=key, defaults={"name": name, "guidance": f"{name} guidance."}
    )[0]


def make_ticket(
    requester: Membership,
    *,
    priority: str = "high",
    subject: str = "Printer on fire",
    description: str = "It is burning.",
    **kwargs: object,
) -> Ticket:
    tenant = requester.tenant
    priorities = sla_config(tenant, requester.customer.plan)
    return services.ticket_create(
        tenant=tenant,
        requester=requester,
        subject=subject,
        description=description,
        priority=priorities[priority],
        **kwargs,
    )


def ticket_in(tenant: Tenant) -> Ticket:
    """A ticket of `tenant` with its own customer and requester (for URL registries)."""
    customer = CustomerFactory(tenant=tenant)
    requester = client_membership(tenant, customer)
    return make_ticket(requester)


def pinned_ticket(requester: Membership, agent: Membership) -> Ticket:
    """A ticket with every listed relation set (category, assignee): for query-count pins."""
    ticket = make_ticket(requester, category=category(requester.tenant))
    services.ticket_assign(tenant=requester.tenant, ticket=ticket, assignee=agent, actor=agent)
    return ticket
