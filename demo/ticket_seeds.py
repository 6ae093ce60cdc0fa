"""Demo and seed data for tickets: categories per tenant, canned responses, a few tickets.

Idempotent: categories and canned responses are found by their keys; demo tickets are only
created for a tenant that has none yet. Tickets go through the services, so their clocks,
history and search vectors are exactly what real use would produce.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from sla.models import Priority
from tenants.models import Membership, Tenant
from tenants.roles import Role
from tickets import services
from tickets.models import CannedResponse, Category, Status, Ticket

# The other seeds give no per-category guidance: their categories carry none (the priority
# definitions, shown with each priority at submission, are the seed's guidance). Inventing
# some would put promises on the form the documents do not make.
GENERIC_CATEGORIES = [
    ("technical", "Technical", ""),
    ("billing", "Billing", ""),
    ("account", "Account and access", ""),
]
# Guidance is one line per priority, "<priority label>: <text>", so the form can show it per
# category x priority and drop a line for a priority the tenant does not have.
CATEGORIES: dict[str, list[tuple[str, str, str]]] = {
    # seed 002, "Issue Categorization", word for word.
    "ionetech": [
        ("technical", "Technical",
         "Critical: High-impact issues affecting core functionality or security.\n"
         "High: Urgent issues causing significant disruption.\n"
         "Medium: Important but not critical.\n"
         "Low: Minor issues with minimal impact."),
        ("billing", "Billing & Financial",
         "Critical: Billing errors affecting critical services.\n"
         "High: Urgent billing inquiries.\n"
         "Medium: Non-urgent billing queries.\n"
         "Low: General billing questions."),
        ("infrastructure", "Infrastructure & Maintenance",
         "Critical: Infrastructure failures impacting services.\n"
         "High: Scheduled maintenance or urgent updates.\n"
         "Medium: Routine maintenance tasks.\n"
         "Low: Non-urgent infrastructure inquiries."),
        ("security", "Security & Compliance",
         "Critical: Security breaches or compliance violations.\n"
         "High: Urgent security patches or risk assessments.\n"
         "Medium: Routine security checks.\n"
         "Low: General security inquiries."),
    ],
}  # fmt: skip
# What an older loader seeded: paraphrases that contradicted seed 002 ("Billing is never
# Critical") and generic guidance naming priorities some tenants lack. load_categories replaces
# a guidance still equal to one of these word for word (never a tenant's own edit).
LEGACY_GUIDANCE = frozenset(
    {
        "Critical: a system is down or data is at risk, no workaround. High: a major "
        "feature is impaired. Medium: a feature misbehaves but a workaround exists. Low: "
        "questions and cosmetic issues.",
        "High: service suspended or a payment blocked. Medium: a wrong invoice. Low: "
        "questions about plans, quotes and receipts. Billing is never Critical.",
        "Critical: servers or network unreachable. High: degraded performance or a failed"
        " backup. Medium: planned-maintenance requests. Low: capacity planning questions.",
        "Critical: a suspected breach or active attack. High: a vulnerability in use or "
        "an access-control failure. Medium: audit evidence requests. Low: policy "
        "questions.",
        "Critical if the product is down for everyone.",
        "Usually Low; High when service was suspended for non-payment.",
        "High when nobody in your organisation can sign in.",
    }
)


CANNED = [
    ("Acknowledgement",
     "Hello {{ requester_name }},\n\nThank you for contacting {{ tenant_name }} support. We "
     "are looking into {{ reference }} ({{ subject }}) and will update you shortly.\n\n"
     "{{ agent_name }}"),
    ("Need more information",
     "Hello {{ requester_name }},\n\nTo move {{ reference }} forward we need a little more "
     "information: the exact error message, when it started and who is affected.\n\n"
     "{{ agent_name }}"),
]  # fmt: skip
DEMO_TICKETS = [
    # (priority order index, subject, description, what happens next)
    (0, "Production dashboard returns 500", "Since 08:40 every page of the dashboard fails.", ""),
    (1, "Exports time out for large accounts", "CSV export of 50k rows never finishes.", "reply"),
    (2, "Invoice shows the wrong VAT rate", "Invoice of last month uses 20% instead of 10%.",
     "pending"),
    (3, "How do I add a second admin?", "We want a colleague to manage users too.", "resolve"),
]  # fmt: skip


def load_categories(*, tenant: Tenant) -> list[Category]:
    rows = []
    for order, (key, name, guidance) in enumerate(CATEGORIES.get(tenant.slug, GENERIC_CATEGORIES)):
        category, _ = Category.objects.for_tenant(tenant).get_or_create(
            tenant=tenant, key=key, defaults={"name": name, "guidance": guidance, "order": order}
        )
        if category.guidance in LEGACY_GUIDANCE:
            category.guidance = guidance
            category.save(update_fields=["guidance"])
        rows.append(category)
    return rows


def load_canned(*, tenant: Tenant) -> None:
    for title, body in CANNED:
        CannedResponse.objects.for_tenant(tenant).get_or_create(
            tenant=tenant, title=title, defaults={"body": body}
        )


def _agent(tenant: Tenant) -> Membership | None:
    return (
        Membership.objects.for_tenant(tenant)
        .filter(role=Role.AGENT, is_active=True)
        .order_by("tier", "pk")
        .first()
    )


def load_demo_tickets(*, tenant: Tenant) -> list[Ticket]:
    """A handful of tickets per client so the queue and portal are not empty (once)."""
    if Ticket.objects.for_tenant(tenant).exists():
        return []
    categories = load_categories(tenant=tenant)
    priorities = list(Priority.objects.for_tenant(tenant).order_by("order"))
    clients = list(
        Membership.objects.for_tenant(tenant)
        .filter(role=Role.CLIENT, is_active=True)
        .select_related("customer__plan", "user")
        .order_by("customer__name")
    )
    agent = _agent(tenant)
    if not priorities or not clients:
        return []
    start = timezone.now() - timedelta(hours=3)
    created = []
    for n, client in enumerate(clients):
        for i, (p, subject, description, then) in enumerate(DEMO_TICKETS):
            at = start + timedelta(minutes=10 * (n * len(DEMO_TICKETS) + i))
            ticket = services.ticket_create(
                tenant=tenant, requester=client, subject=subject, description=description,
                priority=priorities[min(p, len(priorities) - 1)],
                category=categories[i % len(categories)], at=at,
            )  # fmt: skip
            _demo_follow_up(tenant=tenant, ticket=ticket, agent=agent, then=then, at=at)
            created.append(ticket)
    return created


def _demo_follow_up(
    *, tenant: Tenant, ticket: Ticket, agent: Membership | None, then: str, at: object
) -> None:
    if agent is None or not then:
        return
    later = at + timedelta(minutes=5)  # type: ignore[operator]
    services.ticket_reply(
        tenant=tenant, ticket=ticket, author=agent, internal=True, at=later,
        body="Checked the logs: reproducible on our side.",
    )  # fmt: skip
    services.ticket_reply(
        tenant=tenant, ticket=ticket, author=agent, at=later,
        body="Thanks for the report, we are on it and will update you shortly.",
    )  # fmt: skip
    if then == "pending":
        services.ticket_set_status(
            tenant=tenant, ticket=ticket, status=Status.PENDING_CUSTOMER, actor=agent, at=later
        )
    elif then == "resolve":
        services.ticket_resolve(tenant=tenant, ticket=ticket, actor=agent, at=later)


def load_ticket_demo(*, tenant: Tenant) -> None:
    load_categories(tenant=tenant)
    load_canned(tenant=tenant)
    load_demo_tickets(tenant=tenant)
