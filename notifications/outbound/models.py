"""The outbox: one Notification per recipient and message, one Delivery per transport."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from tenants.constraints import SameTenantForeignKey
from tenants.scoping import TenantOwned


class Notification(TenantOwned):
    """A message for one person. The row is the in-app notification itself; other transports
    (email) deliver it through their Delivery row."""

    recipient = models.ForeignKey(
        "tenants.Membership",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    # For people who are not members (a CC'd address): only address-based transports apply.
    recipient_email = models.EmailField(blank=True, default="")
    kind = models.CharField(max_length=60)
    subject = models.CharField(max_length=250)
    body = models.TextField()
    body_html = models.TextField(blank=True, default="")
    link = models.CharField(max_length=500, blank=True, default="", help_text="Absolute path.")
    # Generic email fields, filled by the caller (the core knows nothing of tickets):
    # what the message is about ("ticket:42", shown with it), the id its Message-ID and reply
    # token are signed for, the Reply-To address and extra headers (In-Reply-To, References).
    topic = models.CharField(max_length=60, blank=True, default="")
    thread_id = models.BigIntegerField(default=0)
    reply_to = models.CharField(max_length=250, blank=True, default="")
    from_email = models.CharField(max_length=250, blank=True, default="")
    headers = models.JSONField(default=dict, blank=True)
    # RFC 3834: mail nobody typed (acknowledgements, status and escalation notices).
    automatic = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantOwned.Meta):
        ordering = ["-created_at", "-id"]
        constraints = [
            *TenantOwned.Meta.constraints,
            SameTenantForeignKey(field="recipient", name="notification_recipient_same_tenant"),
            models.CheckConstraint(
                condition=models.Q(recipient__isnull=False) | ~models.Q(recipient_email=""),
                name="notification_has_recipient",
            ),
        ]
        indexes = [
            # The notifications page: a member's newest first.
            models.Index(
                fields=["tenant", "recipient", "-created_at"], name="notification_inbox_idx"
            ),
            # The ticket page's "email delivery" list.
            models.Index(
                fields=["tenant", "topic"],
                condition=~models.Q(topic=""),
                name="notification_topic_idx",
            ),
            # The header badge counts only unread rows: a small partial index.
            models.Index(
                fields=["tenant", "recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.subject}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    # Claimed by a worker: a row is sent at most once, so a worker that dies mid-send leaves
    # it here rather than sending it twice (the retry sweep marks stale ones failed).
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SUPPRESSED = "suppressed", "Suppressed"


class Delivery(TenantOwned):
    """One transport's attempt(s) at delivering one notification."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries"
    )
    transport = models.CharField(max_length=20)
    status = models.CharField(
        max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    provider_message_id = models.CharField(max_length=250, blank=True, default="")
    # Email: our Message-ID, written with the row before any attempt, so a retry after a lost
    # worker sends the same id and the ESP (or the recipient's client) can drop the duplicate.
    message_id = models.CharField(max_length=250, blank=True, default="")
    address = models.EmailField(blank=True, default="")
    # From the ESP's tracking webhook (anymail's `tracking` signal): delivered, bounced, ...
    tracking_status = models.CharField(max_length=20, blank=True, default="")
    tracking_detail = models.CharField(max_length=500, blank=True, default="")
    tracking_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta(TenantOwned.Meta):
        ordering = ["created_at", "id"]
        verbose_name_plural = "deliveries"
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(
                fields=["tenant", "notification", "transport"], name="delivery_one_per_transport"
            ),
            SameTenantForeignKey(field="notification", name="delivery_notification_same_tenant"),
        ]
        indexes = [
            # The retry sweep claims due pending rows by this partial index.
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="delivery_pending_due_idx",
            ),
            # Tracking webhooks find the row by the id the ESP returned at send.
            models.Index(
                fields=["provider_message_id"],
                condition=~models.Q(provider_message_id=""),
                name="delivery_provider_id_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.transport} {self.status}"


class Suppression(TenantOwned):
    """An address that hard-bounced or complained: later email to it is not sent."""

    email = models.EmailField()
    reason = models.CharField(max_length=20)  # bounced, complained
    detail = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta(TenantOwned.Meta):
        ordering = ["-created_at", "-id"]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(fields=["tenant", "email"], name="suppression_one_per_email"),
        ]

    def save(self, *args: object, **kwargs: object) -> None:
        self.email = self.email.strip().lower()  # (the transport matches it exactly)
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return f"{self.email} ({self.reason})"


class EmailTemplateOverride(TenantOwned):
    """A tenant's own texts for one email event, replacing the template files."""

    event = models.CharField(max_length=60)
    subject = models.CharField(max_length=250)
    text = models.TextField()
    html = models.TextField(blank=True, default="")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta(TenantOwned.Meta):
        ordering = ["event"]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(
                fields=["tenant", "event"], name="email_template_one_per_event"
            ),
        ]

    def __str__(self) -> str:
        return self.event
