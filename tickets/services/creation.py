"""Creating tickets: the per-tenant reference sequence and the start of the SLA clocks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction

from sla import services as sla_services
from sla.models import Channel, Priority
from tenants.models import Customer, Membership, Tenant

from ..models import Category, Ticket, TicketCounter
from .attachments import attachments_add
from .common import deadlines_reload, event_record, now_or, search_vector_refresh


def reference_next(*, tenant: Tenant) -> tuple[int, str]:
    """The next number and reference of the tenant (e.g. 1042, "BYT-1042"); call in a transaction.

    The counter row is locked with SELECT ... FOR UPDATE, so two concurrent submissions get
    consecutive numbers; a rolled-back transaction gives its number back, and a committed
    one is never handed out again (tickets are not deleted by the application).
    """
    counters = TicketCounter.objects.for_tenant(tenant).select_for_update()
    counter = counters.filter(tenant=tenant).first()
    if counter is None:
        try:
            with transaction.atomic():
                TicketCounter.objects.create(tenant=tenant)
        except IntegrityError:
            pass  # a concurrent first ticket created it; lock theirs below
        counter = counters.get(tenant=tenant)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number, f"{tenant.reference_prefix}-{counter.last_number}"


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

    `created_by` is the agent logging a phone or chat ticket on the client's behalf.
    """
    at = now_or(at)
    _check_create(tenant=tenant, requester=requester, priority=priority, category=category)
    customer = Customer.objects.for_tenant(tenant).select_related("plan").get(
        pk=requester.customer_id
    )
    number, reference = reference_next(tenant=tenant)
    ticket = Ticket.objects.create(
        tenant=tenant,
        customer=customer,
        requester=requester,
        number=number,
        reference=reference,
        subject=subject.strip(),
        description=description.strip(),
        priority=priority,
        category=category,
        channel=channel,
        tags=list(tags),
        cc_emails=list(cc_emails),
        created_at=at,
        updated_at=at,
    )
    ticket.policy = sla_services.clocks_start(
        tenant=tenant, ticket=ticket, plan=customer.plan, priority=priority, at=at
    )
    Ticket.objects.for_tenant(tenant).filter(pk=ticket.pk).update(policy=ticket.policy)
    deadlines_reload(tenant=tenant, ticket=ticket)
    if attachments:
        attachments_add(
            tenant=tenant,
            ticket=ticket,
            uploads=attachments,
            uploaded_by=created_by or requester,
            at=at,
        )
    event_record(
        tenant=tenant,
        ticket=ticket,
        actor=created_by or requester,
        kind="created",
        at=at,
        to_value=reference,
        data={"channel": channel, "priority": priority.key, "on_behalf": created_by is not None},
    )
    search_vector_refresh(tenant=tenant, ticket_id=ticket.pk)
    return ticket
