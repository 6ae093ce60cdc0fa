"""Tickets, their conversation, attachments and append-only history."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone

from sla.models import Channel
from tenants.constraints import SameTenantForeignKey
from tenants.scoping import TenantOwned


class Status(models.TextChoices):
    NEW = "new", "New"
    OPEN = "open", "Open"
    PENDING_CUSTOMER = "pending_customer", "Pending customer"
    ON_HOLD = "on_hold", "On hold"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


OPEN_STATUSES = (Status.NEW, Status.OPEN, Status.PENDING_CUSTOMER, Status.ON_HOLD)


class TicketCounter(TenantOwned):
    """The last reference number handed out per tenant; numbers are never reused."""

    last_number = models.PositiveBigIntegerField(default=1000)

    class Meta(TenantOwned.Meta):
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(fields=["tenant"], name="ticket_counter_one_per_tenant"),
        ]


class Category(TenantOwned):
    key = models.SlugField(max_length=40)
    name = models.CharField(max_length=100)
    guidance = models.TextField(blank=True, default="", help_text="Priority guidance shown.")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta(TenantOwned.Meta):
        ordering = ["order", "name"]
        verbose_name_plural = "categories"
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(fields=["tenant", "key"], name="category_key_uniq"),
        ]

    def __str__(self) -> str:
        return self.name


class Ticket(TenantOwned):
    # customer, requester and policy lookups always come with the tenant: the composite
    # indexes below serve them (and the same-tenant FK checks); a single-column index would
    # only slow the deadline updates that rewrite ticket rows in bulk.
    customer = models.ForeignKey(
        "tenants.Customer", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    requester = models.ForeignKey(
        "tenants.Membership",
        on_delete=models.PROTECT,
        related_name="requested_tickets",
        db_index=False,
    )
    number = models.PositiveBigIntegerField()
    # Unique per tenant: two tenants may share a prefix; the host names the tenant.
    reference = models.CharField(max_length=24)
    subject = models.CharField(max_length=250)
    description = models.TextField()
    priority = models.ForeignKey("sla.Priority", on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="tickets"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.PORTAL)
    assignee = models.ForeignKey(
        "tenants.Membership",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    tier = models.PositiveSmallIntegerField(default=1)
    cc_emails = ArrayField(models.EmailField(), default=list, blank=True)
    watchers = models.ManyToManyField("tenants.Membership", blank=True, related_name="watching")
    tags = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    policy = models.ForeignKey(
        "sla.SupportPolicy",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    # Denormalised from the clocks, so the queue orders and filters with one index.
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    next_due_at = models.DateTimeField(
        null=True, blank=True, help_text="The nearest deadline of a running clock."
    )
    is_breached = models.BooleanField(default=False)
    first_responded_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    search_vector = SearchVectorField(null=True, editable=False)
    # Bumped by every event's write of the row (`services.common.ticket_write`): a change made
    # from a page or an API read carries the version it saw, and a stale one is refused (409)
    # instead of silently overwriting a colleague's change.
    version = models.PositiveIntegerField(default=1)
    # Closed as out of scope: the policy exclusion cited (the client's page shows its text).
    out_of_scope = models.ForeignKey(
        "sla.Exclusion", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        db_index=False,
    )  # fmt: skip

    class Meta(TenantOwned.Meta):
        ordering = ["-created_at"]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(fields=["tenant", "number"], name="ticket_number_uniq"),
            models.UniqueConstraint(fields=["tenant", "reference"], name="ticket_reference_uniq"),
            SameTenantForeignKey(field="customer", name="ticket_customer_same_tenant"),
            SameTenantForeignKey(field="requester", name="ticket_requester_same_tenant"),
            SameTenantForeignKey(field="priority", name="ticket_priority_same_tenant"),
            SameTenantForeignKey(field="category", name="ticket_category_same_tenant"),
            SameTenantForeignKey(field="assignee", name="ticket_assignee_same_tenant"),
            SameTenantForeignKey(field="policy", name="ticket_policy_same_tenant"),
            SameTenantForeignKey(field="out_of_scope", name="ticket_exclusion_same_tenant"),
        ]
        indexes = [
            # The agent queue: open tickets of a tenant by nearest deadline (keyset pages).
            models.Index(
                fields=["tenant", "next_due_at", "id"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="ticket_queue_idx",
            ),
            models.Index(
                fields=["tenant", "first_response_due_at", "id"], name="ticket_frd_idx"
            ),
            # API and portal lists, newest first (scanned backwards for the descending order).
            models.Index(fields=["tenant", "created_at", "id"], name="ticket_created_idx"),
            models.Index(fields=["tenant", "customer", "-created_at"], name="ticket_customer_idx"),
            models.Index(fields=["tenant", "requester", "-created_at"], name="ticket_req_idx"),
            GinIndex(fields=["search_vector"], name="ticket_search_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.subject}"

    @property
    def is_breached_now(self) -> bool:
        """Breached at this instant: a clock breached, or the nearest running deadline has
        passed without any event touching the ticket (until the breach scan flips the
        column, the stored `is_breached` only knows what the last event saw)."""
        return self.is_breached or (
            self.next_due_at is not None
            and self.status in OPEN_STATUSES
            and self.next_due_at < timezone.now()
        )


class Message(TenantOwned):
    """A public reply or an internal note."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        "tenants.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_email = models.EmailField(blank=True, default="")
    is_internal = models.BooleanField(default=False)
    body_html = models.TextField(help_text="Sanitised HTML.")
    body_text = models.TextField()
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.PORTAL)
    email_message_id = models.CharField(max_length=998, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta(TenantOwned.Meta):
        ordering = ["created_at", "id"]
        constraints = [
            *TenantOwned.Meta.constraints,
            SameTenantForeignKey(field="ticket", name="message_ticket_same_tenant"),
            SameTenantForeignKey(field="author", name="message_author_same_tenant"),
        ]
        indexes = [models.Index(fields=["ticket", "created_at"], name="message_ticket_idx")]


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"attachments/{instance.tenant_id}/{timezone.now():%Y/%m}/{filename}"


class Attachment(TenantOwned):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=300)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(
        "tenants.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta(TenantOwned.Meta):
        ordering = ["created_at", "id"]
        constraints = [
            *TenantOwned.Meta.constraints,
            SameTenantForeignKey(field="ticket", name="attachment_ticket_same_tenant"),
        ]


class EventKind(models.TextChoices):
    """Every kind of history row (recorded through `services.common.ticket_event_record`).

    The escalation, notification and email kinds are declared ahead of the code that records
    them, so later changes add no migration that fights over this list."""

    CREATED = "created", "Created"
    STATUS = "status", "Status changed"
    REOPENED = "reopened", "Reopened"
    ASSIGNED = "assigned", "Assigned"
    PRIORITY = "priority", "Priority changed"
    TIER = "tier", "Tier changed"
    REPLY = "reply", "Public reply"
    NOTE = "note", "Internal note"
    ATTACHMENT = "attachment", "Attachment added"
    ESCALATION_REQUESTED = "escalation_requested", "Escalation requested"
    ESCALATED = "escalated", "Escalated"
    ESCALATION_ACKNOWLEDGED = "escalation_acknowledged", "Escalation acknowledged"
    ESCALATION_CLIMBED = "escalation_climbed", "Escalation climbed a level"
    ESCALATION_RESOLVED = "escalation_resolved", "Escalation resolved"
    ESCALATION_DEESCALATED = "escalation_deescalated", "De-escalated"
    ESCALATION_REASSIGNED = "escalation_reassigned", "Escalation reassigned"
    ESCALATION_REMINDED = "escalation_reminded", "Escalation owner reminded"
    SLA_WARNING = "sla_warning", "SLA warning"
    SLA_BREACHED = "sla_breached", "SLA breached"
    EMAIL_RECEIVED = "email_received", "Email received"
    EMAIL_SENT = "email_sent", "Email sent"
    NOTIFICATION_SENT = "notification_sent", "Notification sent"
    SATISFACTION_RATED = "satisfaction_rated", "Satisfaction rated"
    MAINTENANCE_NOTICE = "maintenance_notice", "Maintenance notice"
    OUT_OF_SCOPE = "out_of_scope", "Marked out of scope"


class TicketEvent(TenantOwned):
    """Append-only history: who changed what, when, from what to what."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        "tenants.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=40, choices=EventKind.choices)
    field = models.CharField(max_length=40, blank=True, default="")
    from_value = models.CharField(max_length=250, blank=True, default="")
    to_value = models.CharField(max_length=250, blank=True, default="")
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The ticket version the event's write produced (null: recorded before versions, or
    # outside a locked ticket write): a stale change lists the events since the version it saw.
    ticket_version = models.PositiveIntegerField(null=True, blank=True)

    class Meta(TenantOwned.Meta):
        ordering = ["created_at", "id"]
        constraints = [
            *TenantOwned.Meta.constraints,
            SameTenantForeignKey(field="ticket", name="event_ticket_same_tenant"),
        ]


class CannedResponse(TenantOwned):
    """A reply template; placeholders like {{ requester_name }} are filled when used."""

    title = models.CharField(max_length=120)
    body = models.TextField()

    class Meta(TenantOwned.Meta):
        ordering = ["title"]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(fields=["tenant", "title"], name="canned_title_uniq"),
        ]

    def __str__(self) -> str:
        return self.title
