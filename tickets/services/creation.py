"""Creating tickets: the per-tenant reference sequence and the start of the SLA clocks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction

from sla import services as sla_services
from sla.calendars import CalendarHorizonExceeded
from sla.models import Channel, Priority
from tenants.models import Customer, Membership, Tenant

from ..models import Category, EventKind, Ticket, TicketCounter
from . import notify
from .attachments import attachments_add
from .common import now_or, search_vector_for_new, ticket_event_record


def reference_next(*, tenant: Tenant) -> tuple[int, str]:
    """The next number and reference of the tenant (e.g. 1042, "BYT-1042"); call in a transaction.

    One UPDATE … RETURNING takes the counter row's lock and the number at once, so two
    concurrent submissions get consecutive numbers; a rolled-back transaction gives its number
    back, and a committed one is never handed out again (tickets are not deleted by the
    application). A tenant's first ticket creates the row (a concurrent first ticket's row
    is used if it won the race).
    """
    table = TicketCounter._meta.db_table
    with connection.cursor() as cursor:
        for _attempt in range(2):
            cursor.execute(
                f"UPDATE {table} SET last_number = last_number + 1 "  # noqa: S608 - our table
                "WHERE tenant_id = %s RETURNING last_number",
                [tenant.pk],
            )
            row = cursor.fetchone()
            if row is not None:
                return row[0], f"{tenant.reference_prefix}-{row[0]}"
            try:
                with transaction.atomic():
                    TicketCounter.objects.create(tenant=tenant)
            except IntegrityError:
                pass  # a concurrent first ticket created it: take the next number of theirs
    raise RuntimeError(f"No ticket counter for tenant {tenant.pk}")


def unreachable_target_error(
    *, priority: Priority, error: CalendarHorizonExceeded
) -> ValidationError:
    """A target stored before targets were bounded can lie beyond the calendar's search
    horizon: the requester is told what is wrong (a 400), not a 500; the settings pages
    refuse such targets today, so only a legacy configuration reaches this."""
    return ValidationError({"priority": (
        f"This organisation's service levels for priority {priority.label} cannot be computed "
        f"({error}). Choose another priority or ask the support team to correct the "
        "support calendar or target."
    )})  # fmt: skip


def _check_create(
    *, tenant: Tenant, requester: Membership, priority: Priority, category: Category | None
) -> None:
    errors: dict[str, str] = {}
    if requester.tenant_id != tenant.pk or not requester.is_client or not requester.customer_id:
        errors["requester"] = "The requester must be a client of this organisation."
    if priority.tenant_id != tenant.pk:
        errors["priority"] = "Unknown priority."
    if category is not None and category.tenant_id != tenant.pk:
        errors["category"] = "Unknown category."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def ticket_create(
    *,
    tenant: Tenant,
    requester: Membership,
    subject: str,
    description: str,
    priority: Priority,
    category: Category | None = None,
    channel: str = Channel.PORTAL,
    created_by: Membership | None = None,
    attachments: Sequence[UploadedFile] = (),
    tags: Sequence[str] = (),
    cc_emails: Sequence[str] = (),
    at: datetime | None = None,
) -> Ticket:
    """Open a ticket for `requester` (a client) and start its SLA clocks synchronously.

    `created_by` is the agent logging a phone or chat ticket on the client's behalf. The row
    is written once: the clocks are planned first, so it is inserted with its policy version,
    its deadlines and its search vector.
    """
    at = now_or(at)
    _check_create(tenant=tenant, requester=requester, priority=priority, category=category)
    customer = Customer.objects.for_tenant(tenant).select_related("plan").get(
        pk=requester.customer_id
    )
    try:
        clock_plan = sla_services.clocks_plan(
            tenant=tenant, plan=customer.plan, priority=priority, at=at
        )
    except CalendarHorizonExceeded as error:
        raise unreachable_target_error(priority=priority, error=error) from error
    deadlines = clock_plan.deadlines
    number, reference = reference_next(tenant=tenant)
    subject, description = subject.strip(), description.strip()
    ticket = Ticket.objects.create(
        tenant=tenant,
        customer=customer,
        requester=requester,
        number=number,
        reference=reference,
        subject=subject,
        description=description,
        priority=priority,
        category=category,
        channel=channel,
        tags=list(tags),
        cc_emails=list(cc_emails),
        policy=clock_plan.policy,
        first_response_due_at=deadlines.first_response_due_at,
        resolution_due_at=deadlines.resolution_due_at,
        next_due_at=deadlines.next_due_at,
        is_breached=deadlines.is_breached,
        search_vector=search_vector_for_new(subject=subject, description=description),
        created_at=at,
        updated_at=at,
    )
    ticket.search_vector = None  # an expression until reloaded; nobody reads it from here
    sla_services.clocks_start(tenant=tenant, ticket_id=ticket.pk, clock_plan=clock_plan)
    if attachments:
        attachments_add(
            tenant=tenant,
            ticket=ticket,
            uploads=attachments,
            uploaded_by=created_by or requester,
            at=at,
        )
    ticket_event_record(
        tenant=tenant,
        ticket=ticket,
        actor=created_by or requester,
        kind=EventKind.CREATED,
        at=at,
        to_value=reference,
        data={"channel": channel, "priority": priority.key, "on_behalf": created_by is not None},
    )
    notify.ticket_notify_created(tenant=tenant, ticket=ticket, at=at)  # email, same transaction
    return ticket
