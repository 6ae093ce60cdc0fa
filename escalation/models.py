"""Escalation ladders (per tenant) and escalation records (per ticket)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone

from tenants.constraints import SameTenantForeignKey
from tenants.roles import STAFF_ROLES, Role
from tenants.scoping import TenantOwned


class Source(models.TextChoices):
    SLA_BREACH = "sla_breach", "SLA breach"
    SLA_WARNING = "sla_warning", "SLA warning"
    CLIENT_REQUEST = "client_request", "Client request"
    AGENT = "agent", "Agent"


SLA_SOURCES = (Source.SLA_BREACH, Source.SLA_WARNING)
# Sources where a person asks: one open request per ticket and source at a time.
REQUEST_SOURCES = (Source.CLIENT_REQUEST, Source.AGENT)


class TargetKind(models.TextChoices):
    ROLE = "role", "Everyone with a role"
    TIER = "tier", "A support tier (the ticket moves to it)"
    MEMBER = "member", "A named member"
    ACCOUNT_MANAGER = "account_manager", "The customer's account manager"


STAFF_ROLE_CHOICES = [(value, label) for value, label in Role.choices if value in STAFF_ROLES]


class EscalationLadder(TenantOwned):
    """An ordered path of levels, used for the sources it lists (and one priority, if set)."""

    name = models.CharField(max_length=100)
    sources = ArrayField(
        models.CharField(max_length=20, choices=Source.choices),
        default=list,
        help_text="What starts an escalation on this ladder.",
    )
    priority = models.ForeignKey(
        "sla.Priority",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Only for tickets of this priority; empty means every priority.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta(TenantOwned.Meta):
        ordering = ["name"]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(fields=["tenant", "name"], name="ladder_name_uniq"),
            SameTenantForeignKey(field="priority", name="ladder_priority_same_tenant"),
        ]

    def __str__(self) -> str:
        return self.name


class EscalationLevel(TenantOwned):
    """One rung: who becomes responsible (and is notified), and how long they have to
    acknowledge — business time on `calendar`, or wall-clock time (24/7) without one."""

    ladder = models.ForeignKey(EscalationLadder, on_delete=models.CASCADE, related_name="levels")
    position = models.PositiveSmallIntegerField(help_text="1 is the first level.")
    name = models.CharField(max_length=100)
    target_kind = models.CharField(max_length=20, choices=TargetKind.choices)
    target_role = models.CharField(
        max_length=20, choices=STAFF_ROLE_CHOICES, blank=True, default=""
    )
    target_tier = models.PositiveSmallIntegerField(
        null=True, blank=True, choices=[(1, "Tier 1"), (2, "Tier 2"), (3, "Tier 3")]
    )
    target_member = models.ForeignKey(
        "tenants.Membership", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledge_within = models.DurationField(default=timedelta(hours=4))
    calendar = models.ForeignKey(
        "sla.Calendar",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Business hours the time counts in; empty means 24/7.",
    )

    class Meta(TenantOwned.Meta):
        ordering = ["ladder", "position"]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(
                fields=["tenant", "ladder", "position"], name="level_position_uniq"
            ),
            SameTenantForeignKey(field="ladder", name="level_ladder_same_tenant"),
            SameTenantForeignKey(field="target_member", name="level_member_same_tenant"),
            SameTenantForeignKey(field="calendar", name="level_calendar_same_tenant"),
            models.CheckConstraint(
                condition=models.Q(acknowledge_within__gt=timedelta(0)),
                name="level_acknowledge_positive",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(target_kind="role") & ~models.Q(target_role="")
                    | models.Q(target_kind="tier", target_tier__isnull=False)
                    | models.Q(target_kind="member", target_member__isnull=False)
                    | models.Q(target_kind="account_manager")
                ),
                name="level_target_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"

    @property
    def audience(self) -> str:
        """Who the level makes responsible when no one person owns the escalation, in words
        (a role's or a tier's people; else the managers, as `ladders.level_people` decides)."""
        if self.target_kind == TargetKind.ROLE and self.target_role:
            return f"Every {self.get_target_role_display().lower()}"
        if self.target_kind == TargetKind.TIER and self.target_tier:
            return f"Tier {self.target_tier}"
        return "Managers"


class Status(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"


ACTIVE_STATUSES = (Status.OPEN, Status.ACKNOWLEDGED)


class Escalation(TenantOwned):
    """One escalation of a ticket. It climbs its ladder in place (level changes); every step
    is a TicketEvent. For SLA sources the clock, metric, cycle and threshold say what fired."""

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    source = models.CharField(max_length=20, choices=Source.choices)
    ladder = models.ForeignKey(
        EscalationLadder, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    level = models.ForeignKey(
        EscalationLevel, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    level_number = models.PositiveSmallIntegerField(default=1)
    reason = models.TextField(blank=True, default="")
    # Who requested, acknowledged, resolved: shown, never searched by; no index of their own
    # (each would cost every escalation the breach scan writes; a deleted member is rare).
    requested_by = models.ForeignKey(
        "tenants.Membership",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    owner = models.ForeignKey(
        "tenants.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What fired it (SLA sources): the clock, its metric and cycle, and the warning threshold.
    clock = models.ForeignKey(
        "sla.SlaClock", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    metric = models.CharField(max_length=20, blank=True, default="")
    cycle = models.PositiveIntegerField(default=1)
    threshold = models.PositiveSmallIntegerField(default=0, help_text="Warning percent.")
    # The acknowledgement clock: the scan climbs an open escalation once this passes.
    acknowledge_by = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        "tenants.Membership",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.OPEN)
    outcome = models.TextField(blank=True, default="")
    resolved_by = models.ForeignKey(
        "tenants.Membership",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta(TenantOwned.Meta):
        ordering = ["-created_at", "-id"]
        constraints = [
            *TenantOwned.Meta.constraints,
            # An SLA event escalates once, ever: a second scan (or a concurrent one) cannot
            # open another for the same clock cycle and threshold, even after resolution.
            models.UniqueConstraint(
                fields=["tenant", "ticket", "source", "metric", "cycle", "threshold"],
                condition=models.Q(source__in=SLA_SOURCES),
                name="escalation_sla_once",
            ),
            # One active request per ticket and source (a second answers 409).
            models.UniqueConstraint(
                fields=["tenant", "ticket", "source"],
                condition=models.Q(source__in=REQUEST_SOURCES, status__in=ACTIVE_STATUSES),
                name="escalation_request_one_active",
            ),
            SameTenantForeignKey(field="ticket", name="escalation_ticket_same_tenant"),
            SameTenantForeignKey(field="ladder", name="escalation_ladder_same_tenant"),
            SameTenantForeignKey(field="level", name="escalation_level_same_tenant"),
            SameTenantForeignKey(field="requested_by", name="escalation_requester_same_tenant"),
            SameTenantForeignKey(field="owner", name="escalation_owner_same_tenant"),
            SameTenantForeignKey(field="clock", name="escalation_clock_same_tenant"),
            SameTenantForeignKey(field="acknowledged_by", name="escalation_ack_same_tenant"),
            SameTenantForeignKey(field="resolved_by", name="escalation_resolver_same_tenant"),
        ]
        indexes = [
            # The acknowledgement scan claims open escalations due by this partial index.
            models.Index(
                fields=["acknowledge_by"],
                condition=models.Q(status="open", acknowledge_by__isnull=False),
                name="escalation_ack_due_idx",
            ),
            # The dashboard: a tenant's active escalations, oldest first.
            models.Index(
                fields=["tenant", "created_at"],
                condition=models.Q(status__in=ACTIVE_STATUSES),
                name="escalation_active_idx",
            ),
            models.Index(fields=["tenant", "ticket", "-created_at"], name="escalation_ticket_idx"),
        ]

    def __str__(self) -> str:
        return f"Escalation {self.pk} ({self.source}, level {self.level_number})"
