"""Reads of tickets. Every function takes the tenant; visibility for clients lives here only."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import SearchQuery
from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Coalesce, JSONObject, NullIf
from django.shortcuts import get_object_or_404
from django.utils import timezone

from sla import selectors as sla_selectors
from sla.models import SlaClock
from tenants.input_guard import query_int
from tenants.models import Customer, Membership, Tenant
from tenants.roles import Perm

from .models import OPEN_STATUSES, Attachment, CannedResponse, Category, Message, Ticket
from .pagination import Ordering, Page, keyset_page
from .services.common import SEARCH_CONFIG

ORDERINGS = {
    o.name: o
    for o in (
        Ordering("next_due_at"),
        Ordering("first_response_due_at"),
        Ordering("resolution_due_at"),
        Ordering("created_at", nullable=False),
        Ordering("created_at", descending=True, nullable=False),
        Ordering("updated_at", descending=True, nullable=False),
    )
}
QUEUE_ORDERING = ORDERINGS["next_due_at"]
LIST_ORDERING = ORDERINGS["-created_at"]
SAVED_VIEWS = {
    "mine": "Mine",
    "unassigned": "Unassigned",
    "breaching": "Breaching in the next hour",
}
REFERENCE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,7}-\d+$")


@dataclass
class TicketFilters:
    statuses: list[str] = field(default_factory=list)
    open_only: bool = False
    priority: str = ""
    plan: str = ""
    customer: int | None = None
    assignee: str = ""  # a membership id, "me" or "none"
    tier: int | None = None
    category: str = ""
    breached: bool | None = None
    q: str = ""
    view: str = ""  # one of SAVED_VIEWS


def ticket_visible(*, tenant: Tenant, membership: Membership) -> QuerySet[Ticket]:
    """The tickets this member may see: all (staff), the organisation's (client admin), own."""
    tickets = Ticket.objects.for_tenant(tenant)
    if membership.can(Perm.TICKET_VIEW_ALL):
        return tickets
    if membership.can(Perm.TICKET_VIEW_ORGANISATION):
        return tickets.filter(customer_id=membership.customer_id)
    if membership.can(Perm.TICKET_VIEW_OWN):
        return tickets.filter(requester=membership)
    return tickets.none()


def ticket_for_member_or_404(*, tenant: Tenant, membership: Membership, reference: str) -> Ticket:
    """One ticket by reference, or 404 (missing, another tenant's, or not this member's)."""
    tickets = ticket_visible(tenant=tenant, membership=membership).select_related(
        "customer__plan",
        "requester__user",
        "priority",
        "category",
        "assignee__user",
        "policy",
    )
    ticket = get_object_or_404(tickets, reference=reference)
    _breached_as_of_now([ticket])
    return ticket


LIST_RELATIONS = ("category", "requester", "assignee")


# What a queue row shows (templates/staff/queue.html), and the keys it needs: fewer columns
# to fetch and convert, 50 rows a page. A field missing here would cost a query per row: the
# queue's query-count pin catches that.
QUEUE_COLUMNS = (
    "reference", "subject", "status", "tier", "next_due_at", "is_breached", "assignee_id",
    "customer__name", "customer__plan__name", "priority__label",
)  # fmt: skip


def _with_list_relations(
    tickets: QuerySet[Ticket], columns: tuple[str, ...] | None = None
) -> QuerySet[Ticket]:
    # Few joins on purpose: with every relation joined, PostgreSQL spent ~40 ms planning each
    # page query (measured by bench/queue.py) against ~1 ms executing it.
    tickets = tickets.select_related("customer__plan", "priority")
    if columns:
        return tickets.only(*columns)
    return tickets.defer("description", "search_vector")


def _attach_list_relations(
    *, tenant: Tenant, rows: list[Ticket], relations: tuple[str, ...]
) -> None:
    """The other relations a page shows: one query for the people (requesters and assignees
    together, with their users), one for the categories; none for a relation not shown."""
    people_fields = [name for name in ("requester", "assignee") if name in relations]
    person_ids = {getattr(row, f"{name}_id") for row in rows for name in people_fields}
    person_ids.discard(None)
    if person_ids:
        people = Membership.objects.for_tenant(tenant).select_related("user")
        by_id = {m.pk: m for m in people.filter(pk__in=sorted(person_ids))}
        for row in rows:
            for name in people_fields:
                person = by_id.get(getattr(row, f"{name}_id"))
                if person is not None:
                    setattr(row, name, person)
    if "category" in relations:
        category_ids = {row.category_id for row in rows if row.category_id is not None}
        if category_ids:
            found = Category.objects.for_tenant(tenant).filter(pk__in=sorted(category_ids))
            by_id = {c.pk: c for c in found}
            for row in rows:
                if row.category_id in by_id:
                    row.category = by_id[row.category_id]


def _filter_people(
    tickets: QuerySet[Ticket], filters: TicketFilters, membership: Membership
) -> QuerySet[Ticket]:
    if filters.customer:
        tickets = tickets.filter(customer_id=filters.customer)
    if filters.assignee == "me" or filters.view == "mine":
        tickets = tickets.filter(assignee=membership)
    elif filters.assignee == "none" or filters.view == "unassigned":
        tickets = tickets.filter(assignee__isnull=True)
    elif (assignee_id := query_int(filters.assignee)) is not None:
        tickets = tickets.filter(assignee_id=assignee_id)
    return tickets


def breached_now(now: datetime) -> Q:
    """Breached at `now`: the stored flag (an event saw a breach), or an open ticket whose
    nearest running deadline has passed with no event since (`Ticket.is_breached_now`)."""
    return Q(is_breached=True) | Q(status__in=OPEN_STATUSES, next_due_at__lt=now)


def _filter_fields(
    tickets: QuerySet[Ticket], filters: TicketFilters, now: datetime
) -> QuerySet[Ticket]:
    if filters.statuses:
        tickets = tickets.filter(status__in=filters.statuses)
    elif filters.open_only:
        tickets = tickets.filter(status__in=OPEN_STATUSES)
    if filters.priority:
        tickets = tickets.filter(priority__key=filters.priority)
    if filters.plan:
        tickets = tickets.filter(customer__plan__key=filters.plan)
    if filters.tier:
        tickets = tickets.filter(tier=filters.tier)
    if filters.category:
        tickets = tickets.filter(category__key=filters.category)
    if filters.breached is not None:
        overdue = breached_now(now)
        tickets = tickets.filter(overdue) if filters.breached else tickets.exclude(overdue)
    return tickets


def _filter_search(tickets: QuerySet[Ticket], q: str) -> QuerySet[Ticket]:
    q = q.strip()
    if not q:
        return tickets
    query = SearchQuery(q, config=SEARCH_CONFIG, search_type="websearch")
    if REFERENCE_RE.match(q):
        return tickets.filter(Q(reference__iexact=q) | Q(search_vector=query))
    return tickets.filter(search_vector=query)


def ticket_list(
    *,
    tenant: Tenant,
    membership: Membership,
    filters: TicketFilters,
    ordering: Ordering = LIST_ORDERING,
    cursor: str | None = None,
    size: int = 25,
    at: datetime | None = None,
    relations: tuple[str, ...] = LIST_RELATIONS,
    columns: tuple[str, ...] | None = None,
) -> Page:
    """One page of the tickets this member may see: a fixed number of queries at any depth."""
    tickets = ticket_visible(tenant=tenant, membership=membership)
    tickets = _filter_fields(tickets, filters, at or timezone.now())
    tickets = _filter_people(tickets, filters, membership)
    if filters.view == "breaching":
        soon = (at or timezone.now()) + timedelta(hours=1)
        tickets = tickets.filter(status__in=OPEN_STATUSES, next_due_at__lte=soon)
    tickets = _filter_search(tickets, filters.q)
    tickets = _with_list_relations(tickets, columns)
    page = keyset_page(tickets, ordering=ordering, cursor=cursor, size=size)
    _attach_list_relations(tenant=tenant, rows=page.rows, relations=relations)
    _breached_as_of_now(page.rows)
    return page


def _breached_as_of_now(rows: list[Ticket]) -> None:
    """What pages show as breached is the truth at this instant (`Ticket.is_breached_now`),
    not only what the last event stored."""
    for row in rows:
        row.is_breached = row.is_breached_now


def queue_page(
    *,
    tenant: Tenant,
    membership: Membership,
    filters: TicketFilters,
    cursor: str | None = None,
    size: int = 50,
) -> Page:
    """The agent queue: open tickets by nearest running deadline (index ticket_queue_idx)."""
    if not filters.statuses:
        filters.open_only = True
    return ticket_list(
        tenant=tenant,
        membership=membership,
        filters=filters,
        ordering=QUEUE_ORDERING,
        cursor=cursor,
        size=size,
        relations=("assignee",),  # the queue shows no category or requester
        columns=QUEUE_COLUMNS,
    )


def messages_visible(*, ticket: Ticket, membership: Membership) -> list[Message]:
    messages = ticket.messages.select_related("author__user").prefetch_related("attachments")
    if not membership.can(Perm.TICKET_WORK):
        messages = messages.filter(is_internal=False)
    return list(messages.order_by("created_at", "id"))


def attachments_visible(*, ticket: Ticket, membership: Membership) -> QuerySet[Attachment]:
    """Attachments of the ticket; those on internal notes only for staff."""
    attachments = ticket.attachments.select_related("uploaded_by__user")
    if not membership.can(Perm.TICKET_WORK):
        attachments = attachments.filter(Q(message__isnull=True) | Q(message__is_internal=False))
    return attachments.order_by("created_at", "id")


def attachment_for_member_or_404(
    *, tenant: Tenant, membership: Membership, reference: str, attachment_id: int
) -> Attachment:
    ticket = ticket_for_member_or_404(tenant=tenant, membership=membership, reference=reference)
    return get_object_or_404(
        attachments_visible(ticket=ticket, membership=membership), pk=attachment_id
    )


def ticket_events(*, ticket: Ticket) -> list:
    return list(ticket.events.select_related("actor__user").order_by("created_at", "id"))


def ticket_clocks(*, tenant: Tenant, ticket: Ticket) -> list[SlaClock]:
    return sla_selectors.clocks_for_ticket(tenant=tenant, ticket_id=ticket.pk)


def requester_other_tickets(*, tenant: Tenant, ticket: Ticket, limit: int = 10) -> list[Ticket]:
    return list(
        Ticket.objects.for_tenant(tenant)
        .filter(requester_id=ticket.requester_id)
        .exclude(pk=ticket.pk)
        .select_related("priority")
        .only("reference", "subject", "status", "created_at", "priority__label", "priority__key")
        .order_by("-created_at", "-id")[:limit]
    )


def _json_rows(queryset: QuerySet, **fields: Any) -> ArraySubquery:
    return ArraySubquery(queryset.annotate(row=JSONObject(**fields)).values("row"))


def queue_filter_choices(*, tenant: Tenant) -> dict[str, list[dict[str, Any]]]:
    """The queue's filter dropdowns (and the bulk assignee list) in one query: each list is a
    scoped subquery aggregated into an array of small JSON rows, always current."""
    from sla.models import Plan, Priority
    from tenants.roles import STAFF_ROLES

    staff = Membership.objects.for_tenant(tenant).filter(
        role__in=sorted(STAFF_ROLES), is_active=True
    )
    lists = {
        "priorities": _json_rows(
            Priority.objects.for_tenant(tenant).order_by("order"), key="key", label="label"
        ),
        "plans": _json_rows(
            Plan.objects.for_tenant(tenant).order_by("order", "key"), key="key", name="name"
        ),
        "customers": _json_rows(
            Customer.objects.for_tenant(tenant).order_by("name"), pk="pk", name="name"
        ),
        # label: str(user), what the assignee column and StaffChoice show.
        "staff": _json_rows(
            staff.order_by("user__email"),
            pk="pk",
            label=Coalesce(NullIf("user__full_name", Value("")), "user__email"),
        ),
        "categories": _json_rows(
            Category.objects.for_tenant(tenant).order_by("order", "name"), key="key", name="name"
        ),
    }
    row = Tenant.objects.filter(pk=tenant.pk).annotate(**lists).values(*lists).get()
    return {name: row[name] or [] for name in lists}


def categories(*, tenant: Tenant) -> list[Category]:
    return list(Category.objects.for_tenant(tenant).order_by("order", "name"))


def customers(*, tenant: Tenant) -> list[Customer]:
    return list(Customer.objects.for_tenant(tenant).select_related("plan").order_by("name"))


def staff_members(*, tenant: Tenant) -> list[Membership]:
    from tenants.roles import STAFF_ROLES

    return list(
        Membership.objects.for_tenant(tenant)
        .filter(role__in=sorted(STAFF_ROLES), is_active=True)
        .select_related("user")
        .order_by("user__email")
    )


def client_members(*, tenant: Tenant) -> list[Membership]:
    from tenants.roles import CLIENT_ROLES

    return list(
        Membership.objects.for_tenant(tenant)
        .filter(role__in=sorted(CLIENT_ROLES), is_active=True)
        .select_related("user", "customer")
        .order_by("customer__name", "user__email")
    )


def canned_responses(*, tenant: Tenant) -> list[CannedResponse]:
    return list(CannedResponse.objects.for_tenant(tenant).order_by("title"))


def canned_or_404(*, tenant: Tenant, canned_id: int) -> CannedResponse:
    return get_object_or_404(CannedResponse.objects.for_tenant(tenant), pk=canned_id)


