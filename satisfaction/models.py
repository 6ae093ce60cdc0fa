"""Satisfaction (CSAT): a tenant's settings and one survey per resolved ticket."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from tenants.constraints import SameTenantForeignKey
from tenants.scoping import TenantOwned

SCORES = [(1, "1 – Very dissatisfied"), (2, "2"), (3, "3"), (4, "4"), (5, "5 – Very satisfied")]
# The CSAT score is the share of ratings in this range (the usual "top-two-box" measure).
SATISFIED_MIN = 4
# A rating at or below this opens a follow-up for the team leads.
LOW_SCORE_MAX = 2


class SatisfactionSettings(TenantOwned):
    """Whether the tenant asks for ratings, how long after resolution, and for how long."""

    enabled = models.BooleanField(default=False)
    delay_minutes = models.PositiveIntegerField(
        default=60, help_text="Minutes after resolution before the rating request goes out."
    )
    valid_days = models.PositiveSmallIntegerField(
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="Days a rating link stays valid.",
    )

    class Meta(TenantOwned.Meta):
        verbose_name_plural = "satisfaction settings"
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(fields=["tenant"], name="satisfaction_settings_one"),
        ]

    def __str__(self) -> str:
        return f"CSAT {'on' if self.enabled else 'off'}"


class Survey(TenantOwned):
    """One rating request per ticket. Who worked it, the plan and the customer are copied at
    creation so the reports keep the facts of the resolution when the ticket moves later."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    requester = models.ForeignKey(
        "tenants.Membership", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    agent = models.ForeignKey(
        "tenants.Membership",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    customer = models.ForeignKey(
        "tenants.Customer", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    plan = models.ForeignKey("sla.Plan", on_delete=models.PROTECT, related_name="+")
    resolved_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    score = models.PositiveSmallIntegerField(null=True, blank=True, choices=SCORES)
    comment = models.TextField(blank=True, default="")
    rated_at = models.DateTimeField(null=True, blank=True)
    rated_by = models.ForeignKey(
        "tenants.Membership",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        help_text="Set when rated from the portal while signed in; empty for the email link.",
    )

    class Meta(TenantOwned.Meta):
        ordering = ["-created_at", "-id"]
        constraints = [
            *TenantOwned.Meta.constraints,
            # Once per ticket: the scan's inserts race on this, so two scans make one survey.
            models.UniqueConstraint(fields=["tenant", "ticket"], name="survey_one_per_ticket"),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=1, score__lte=5),
                name="survey_score_1_to_5",
            ),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True, rated_at__isnull=True)
                | models.Q(score__isnull=False, rated_at__isnull=False),
                name="survey_rated_has_score",
            ),
            SameTenantForeignKey(field="ticket", name="survey_ticket_same_tenant"),
            SameTenantForeignKey(field="requester", name="survey_requester_same_tenant"),
            SameTenantForeignKey(field="agent", name="survey_agent_same_tenant"),
            SameTenantForeignKey(field="customer", name="survey_customer_same_tenant"),
            SameTenantForeignKey(field="plan", name="survey_plan_same_tenant"),
        ]
        indexes = [
            # The reports read rated surveys of a tenant by rating time.
            models.Index(
                fields=["tenant", "rated_at"],
                condition=models.Q(rated_at__isnull=False),
                name="survey_rated_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Survey {self.pk} ({self.score or 'unrated'})"

    @property
    def is_rated(self) -> bool:
        return self.rated_at is not None
