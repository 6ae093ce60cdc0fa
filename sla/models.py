"""SLA configuration (calendars, plans, priorities, versioned policies, targets) and clocks."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from tenants.constraints import SameTenantForeignKey
from tenants.models import validate_time_zone
from tenants.scoping import TenantOwned

if TYPE_CHECKING:
    from .calendars import BusinessCalendar


class Channel(models.TextChoices):
    PORTAL = "portal", "Portal"
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    CHAT = "chat", "Live chat"
    API = "api", "API"


class Calendar(TenantOwned):
    """Business hours in a zone, with holidays from the `holidays` package and closure dates.

    `weekly` maps weekday ("0" = Monday) to a list of "HH:MM-HH:MM" intervals.
    """

    name = models.CharField(max_length=100)
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    always_open = models.BooleanField(
        default=False, help_text="24/7: every instant counts, holidays included."
    )
    weekly = models.JSONField(default=dict, blank=True)
    holiday_country = models.CharField(max_length=8, blank=True, default="")
    holiday_subdivision = models.CharField(max_length=16, blank=True, default="")
    revision = models.PositiveIntegerField(default=1, help_text="Bumped on every change.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantOwned.Meta):
        ordering = ["name"]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(fields=["tenant", "name"], name="calendar_name_uniq"),
        ]

    def __str__(self) -> str:
        return self.name

    def as_business_calendar(self) -> BusinessCalendar:
        """The pure calendar, cached per (pk, revision): services bump `revision` on change."""
        from .calendar_cache import business_calendar_for

        return business_calendar_for(self)


class ClosureDate(TenantOwned):
    """A day the tenant is closed on top of public holidays (local date of the calendar)."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="closures")
    date = models.DateField()
    name = models.CharField(max_length=100, blank=True, default="")

    class Meta(TenantOwned.Meta):
        ordering = ["date"]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(
                fields=["tenant", "calendar", "date"], name="closure_date_uniq"
            ),
            SameTenantForeignKey(field="calendar", name="closure_calendar_same_tenant"),
        ]


class Plan(TenantOwned):
    """A support plan (standard / premium / enterprise ...), defined by the tenant."""

    key = models.SlugField(max_length=40)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True, default="")
    channels = ArrayField(
        models.CharField(max_length=10, choices=Channel.choices), default=list, blank=True
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta(TenantOwned.Meta):
        ordering = ["order", "key"]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(fields=["tenant", "key"], name="plan_key_uniq"),
        ]

    def __str__(self) -> str:
        return self.name


class Priority(TenantOwned):
    """One of the tenant's priorities (its set is configuration: cloudops has no critical)."""

    key = models.SlugField(max_length=40)
    label = models.CharField(max_length=60)
    definition = models.TextField(blank=True, default="", help_text="Shown to clients.")
    order = models.PositiveSmallIntegerField(default=0, help_text="0 is the most urgent.")

    class Meta(TenantOwned.Meta):
        ordering = ["order", "key"]
        verbose_name_plural = "priorities"
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(fields=["tenant", "key"], name="priority_key_uniq"),
        ]

    def __str__(self) -> str:
        return self.label


class SupportPolicy(TenantOwned):
    """One version of a plan's policy. A ticket keeps the version in force when it was created."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="policies")
    version = models.PositiveIntegerField()
    effective_from = models.DateTimeField()
    summary = models.TextField(blank=True, default="", help_text="What changed, for the page.")
    warning_thresholds = ArrayField(
        models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(99)]),
        default=list,
        blank=True,
        help_text="Percentages of a target at which a warning is raised, e.g. 50, 75.",
    )
    max_pause = models.DurationField(
        null=True, blank=True, help_text="Longest a clock may stay paused waiting on a customer."
    )
    pause_on_hold = models.BooleanField(
        default=False,
        help_text="Whether 'on hold' pauses the clocks. Off: on hold is the provider's own "
        "wait, so the clocks keep running (waiting on the customer always pauses).",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta(TenantOwned.Meta):
        ordering = ["plan", "-effective_from"]
        verbose_name_plural = "support policies"
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(
                fields=["tenant", "plan", "version"], name="policy_version_uniq"
            ),
            models.UniqueConstraint(
                fields=["tenant", "plan", "effective_from"], name="policy_effective_uniq"
            ),
            SameTenantForeignKey(field="plan", name="policy_plan_same_tenant"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} v{self.version}"


class Metric(models.TextChoices):
    FIRST_RESPONSE = "first_response", "First response"
    NEXT_RESPONSE = "next_response", "Next response"
    RESOLUTION = "resolution", "Resolution"


class Target(TenantOwned):
    """How much business time (on `calendar`) a metric may take for a priority under a policy."""

    policy = models.ForeignKey(SupportPolicy, on_delete=models.CASCADE, related_name="targets")
    priority = models.ForeignKey(Priority, on_delete=models.CASCADE, related_name="targets")
    metric = models.CharField(max_length=20, choices=Metric.choices)
    duration = models.DurationField()
    calendar = models.ForeignKey(Calendar, on_delete=models.PROTECT, related_name="targets")

    class Meta(TenantOwned.Meta):
        ordering = ["policy", "priority__order", "metric"]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(
                fields=["tenant", "policy", "priority", "metric"], name="target_one_per_metric"
            ),
            models.CheckConstraint(
                condition=models.Q(duration__gt=timedelta(0)), name="target_duration_positive"
            ),
            SameTenantForeignKey(field="policy", name="target_policy_same_tenant"),
            SameTenantForeignKey(field="priority", name="target_priority_same_tenant"),
            SameTenantForeignKey(field="calendar", name="target_calendar_same_tenant"),
        ]

    def __str__(self) -> str:
        return f"{self.priority} {self.get_metric_display()}: {self.duration}"


class ClockStatus(models.TextChoices):
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    MET = "met", "Met"
    BREACHED = "breached", "Breached"
    # Ended without being met: e.g. next response when the ticket is resolved.
    STOPPED = "stopped", "Stopped"


class SlaClock(TenantOwned):
    """One metric's clock for one ticket. `due_at` is null while paused."""

    # Indexed by UNIQUE (ticket, metric); no second index to maintain on every clock write.
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="clocks", db_index=False
    )
    metric = models.CharField(max_length=20, choices=Metric.choices)
    target = models.ForeignKey(Target, on_delete=models.PROTECT, related_name="clocks")
    status = models.CharField(max_length=10, choices=ClockStatus.choices)
    started_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True)
    target_duration = models.DurationField()
    consumed = models.DurationField(
        default=timedelta(0), help_text="Business time consumed up to `consumed_as_of`."
    )
    consumed_as_of = models.DateTimeField()
    met_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    warned_percent = models.PositiveSmallIntegerField(default=0)
    cycle = models.PositiveIntegerField(default=1, help_text="Restarts of next-response.")
    paused_at = models.DateTimeField(null=True, blank=True)
    pause_kind = models.CharField(max_length=20, blank=True, default="")
    # The next instant the breach scan must look at this clock: its next un-warned warning
    # threshold or its deadline, while running and not breached; null otherwise. Kept by every
    # transition (sla.clock_state) and by the recompute's bulk UPDATE.
    next_alert_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantOwned.Meta):
        # No default ordering: ordering by ticket would join the tickets table in hot queries.
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(fields=["ticket", "metric"], name="clock_one_per_metric"),
            SameTenantForeignKey(field="ticket", name="clock_ticket_same_tenant"),
            SameTenantForeignKey(field="target", name="clock_target_same_tenant"),
        ]
        indexes = [
            # The breach scan claims due clocks by this column: the index holds only clocks
            # something will still happen to, so breached, paused and ended ones leave it.
            models.Index(
                fields=["next_alert_at"],
                condition=models.Q(next_alert_at__isnull=False),
                name="slaclock_next_alert_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.metric} {self.status}"


class SegmentKind(models.TextChoices):
    RUNNING = "running", "Running"
    PAUSED_CUSTOMER = "paused_customer", "Paused: waiting on the customer"
    PAUSED_HOLD = "paused_hold", "Paused: on hold"
    STOPPED = "stopped", "Stopped"


class ClockSegment(TenantOwned):
    """The ledger: each stretch a clock ran or was paused, and each recomputation, with why."""

    clock = models.ForeignKey(SlaClock, on_delete=models.CASCADE, related_name="segments")
    kind = models.CharField(max_length=20, choices=SegmentKind.choices)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    business_time = models.DurationField(null=True, blank=True)
    due_at_before = models.DateTimeField(null=True, blank=True)
    due_at_after = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta(TenantOwned.Meta):
        # No default ordering (it joined clocks and tickets); readers order explicitly.
        constraints = [
            *TenantOwned.Meta.constraints,
            SameTenantForeignKey(field="clock", name="segment_clock_same_tenant"),
        ]


class RecomputeJob(TenantOwned):
    """A calendar or policy change being applied to running clocks, with its progress."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    reason = models.CharField(max_length=300)
    calendar = models.ForeignKey(Calendar, null=True, blank=True, on_delete=models.SET_NULL)
    policy = models.ForeignKey(SupportPolicy, null=True, blank=True, on_delete=models.SET_NULL)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The lease: the worker running the job refreshes `heartbeat_at` with every chunk; a
    # running job whose heartbeat is older than the lease lost its worker and is claimed again.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Claims of this run (1 + takeovers after its lease expired)."
    )

    class Meta(TenantOwned.Meta):
        ordering = ["-created_at"]

    @property
    def lease_expired(self) -> bool:
        """Running, but its worker has not reported within the lease: it will be taken over."""
        from .recompute import lease_expired

        return lease_expired(self)


class SectionKey(models.TextChoices):
    """The outline of a complete support policy (seed 004), in page order."""

    INTRODUCTION = "introduction", "Introduction"
    SCOPE = "scope", "Scope of support"
    EXCLUSIONS = "exclusions", "Exclusions"
    CHANNELS = "channels", "Support channels and hours"
    RESPONSE_TIMES = "response_times", "Response times"
    PROCESS = "process", "Support process and escalation"
    CUSTOMER_RESPONSIBILITIES = "customer_responsibilities", "Customer responsibilities"
    AVAILABILITY = "availability", "Service availability and maintenance"
    LIABILITY = "liability", "Limitation of liability"
    THIRD_PARTY = "third_party", "Third-party support"
    CUSTOM_SOLUTIONS = "custom_solutions", "Support for custom solutions"
    TRAINING = "training", "Training and knowledge base"
    POLICY_UPDATES = "policy_updates", "Updates to this policy"
    CONTACT = "contact", "Contact"


class PolicySection(TenantOwned):
    """Tenant-editable prose of the public policy page; the tables come from configuration."""

    key = models.CharField(max_length=40, choices=SectionKey.choices)
    title = models.CharField(max_length=120)
    body = models.TextField(
        blank=True,
        default="",
        help_text="Plain text: blank lines split paragraphs; lines starting '- ' are list items.",
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta(TenantOwned.Meta):
        ordering = ["order", "key"]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(fields=["tenant", "key"], name="policy_section_key_uniq"),
        ]

    def __str__(self) -> str:
        return self.title


class MaintenanceWindow(TenantOwned):
    """A recurring maintenance window published on the policy page."""

    name = models.CharField(max_length=120)
    weekdays = ArrayField(
        models.PositiveSmallIntegerField(), default=list, blank=True, help_text="0 = Monday"
    )
    starts = models.TimeField()
    ends = models.TimeField(help_text="May be earlier than the start: the window ends next day.")
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    notice_hours = models.PositiveIntegerField(
        default=0, help_text="Announced at least this many hours ahead."
    )
    description = models.TextField(blank=True, default="")
    # A one-off window has `one_off_start`/`one_off_end` (and no weekdays); a recurring one has
    # weekdays and the local `starts`/`ends` (for a one-off they hold its local times).
    one_off_start = models.DateTimeField(null=True, blank=True)
    one_off_end = models.DateTimeField(null=True, blank=True)
    active_from = models.DateTimeField(
        null=True, blank=True, help_text="A recurring window's first occurrence is not before."
    )
    services = ArrayField(
        models.CharField(max_length=100), default=list, blank=True,
        help_text="Affected services (empty: all services).",
    )  # fmt: skip
    message = models.TextField(blank=True, default="", help_text="Told to clients.")
    emergency = models.BooleanField(
        default=False, help_text="Scheduled with less notice than the policy promises."
    )
    emergency_reason = models.CharField(max_length=300, blank=True, default="")
    cancelled_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantOwned.Meta):
        ordering = ["name"]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.CheckConstraint(
                condition=(
                    models.Q(one_off_start__isnull=True, one_off_end__isnull=True)
                    | models.Q(one_off_start__isnull=False, one_off_end__isnull=False,
                               one_off_start__lt=models.F("one_off_end"))
                ),
                name="maintenance_one_off_span",
            ),  # fmt: skip
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_one_off(self) -> bool:
        return self.one_off_start is not None

    @property
    def cancelled(self) -> bool:
        return self.cancelled_at is not None


# --------------------------------------------------------------------------- notices (#12)


class TenantSlaSettings(TenantOwned):
    """Tenant-wide promises the product keeps: one row per tenant (absent: the defaults)."""

    pause_clocks_in_maintenance = models.BooleanField(
        default=False,
        help_text="SLA clocks do not count time inside a maintenance window.",
    )
    policy_change_notice_days = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(365)],
        help_text="A new policy version must be scheduled at least this many days ahead.",
    )

    class Meta(TenantOwned.Meta):
        verbose_name_plural = "tenant SLA settings"
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(fields=["tenant"], name="tenant_sla_settings_one"),
        ]


class NoticeKind(models.TextChoices):
    ANNOUNCED = "announced", "Announced"
    MOVED = "moved", "Moved"
    CANCELLED = "cancelled", "Cancelled"


class MaintenanceNotice(TenantOwned):
    """One notice sent about one occurrence of a window to one person: the unique constraint
    is what makes the scan send it exactly once, however many scans run at the same time."""

    window = models.ForeignKey(MaintenanceWindow, on_delete=models.CASCADE, related_name="notices")
    occurrence_start = models.DateTimeField()
    occurrence_end = models.DateTimeField()
    recipient = models.ForeignKey(
        "tenants.Membership", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=NoticeKind.choices)
    emergency = models.BooleanField(default=False)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta(TenantOwned.Meta):
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(
                fields=["tenant", "window", "occurrence_start", "occurrence_end", "recipient",
                        "kind"],
                name="maintenance_notice_once",
            ),  # fmt: skip
            SameTenantForeignKey(field="window", name="maintenance_notice_window_same_tenant"),
            SameTenantForeignKey(field="recipient", name="maintenance_notice_member_same_tenant"),
        ]


class PolicyChangeNotice(TenantOwned):
    """The announcement of a scheduled policy version to one person, once (unique)."""

    policy = models.ForeignKey(SupportPolicy, on_delete=models.CASCADE, related_name="notices")
    recipient = models.ForeignKey(
        "tenants.Membership", on_delete=models.CASCADE, related_name="+"
    )
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta(TenantOwned.Meta):
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(
                fields=["tenant", "policy", "recipient"], name="policy_change_notice_once"
            ),
            SameTenantForeignKey(field="policy", name="policy_notice_policy_same_tenant"),
            SameTenantForeignKey(field="recipient", name="policy_notice_member_same_tenant"),
        ]


class PolicyNoticeOverride(TenantOwned):
    """A policy version scheduled with less notice than promised: who allowed it and why."""

    policy = models.OneToOneField(
        SupportPolicy, on_delete=models.CASCADE, related_name="notice_override"
    )
    by = models.ForeignKey(
        "tenants.Membership", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=300)
    notice_days_promised = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta(TenantOwned.Meta):
        constraints = [
            *TenantOwned.Meta.constraints,
            SameTenantForeignKey(field="policy", name="policy_override_policy_same_tenant"),
        ]


class Exclusion(TenantOwned):
    """Something the tenant's policy does not cover (the policy's "Exclusions" section): agents
    close a ticket as out of scope citing one, and the client is shown its text.

    Retired rather than deleted once cited: a closed ticket keeps pointing at the policy text
    it was closed under."""

    title = models.CharField(max_length=160, help_text="Short, e.g. 'Training and onboarding'.")
    text = models.TextField(
        max_length=2000, help_text="The policy's wording, shown to clients whose ticket cites it."
    )
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(
        default=True, help_text="Listed on the policy page and offered to agents."
    )

    class Meta(TenantOwned.Meta):
        ordering = ["order", "title"]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(fields=["tenant", "title"], name="exclusion_title_uniq"),
        ]

    def __str__(self) -> str:
        return self.title
