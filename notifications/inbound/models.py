"""The raw store of inbound deliveries and each tenant's intake settings."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from tenants.constraints import SameTenantForeignKey
from tenants.scoping import TenantManager, TenantOwned


class InboundStatus(models.TextChoices):
    RECEIVED = "received", "Received, waiting to be parsed"
    TICKET_CREATED = "ticket_created", "New ticket"
    REPLIED = "replied", "Added to a ticket"
    HELD = "held", "Held for review"
    REFUSED = "refused", "Refused (unknown sender)"
    IGNORED = "ignored", "Ignored (auto-reply, bounce or list mail)"
    DUPLICATE = "duplicate", "Duplicate delivery"
    FAILED = "failed", "Could not be parsed"
    OVERSIZE = "oversize", "Too large"
    RATE_LIMITED = "rate_limited", "Sender over the rate limit"
    UNROUTABLE = "unroutable", "No tenant for the recipient"
    DISCARDED = "discarded", "Discarded by an admin"


# What a tenant admin sees on the "inbound problems" page (retry or discard).
PROBLEM_STATUSES = (
    InboundStatus.HELD,
    InboundStatus.FAILED,
    InboundStatus.OVERSIZE,
    InboundStatus.RATE_LIMITED,
)


class InboundEmail(models.Model):
    """One delivery from an ESP, stored before anything else is done with it.

    Not `TenantOwned`: a delivery to an address no tenant owns is kept too (tenant null).
    Request code still reaches rows only through `.for_tenant()` (same scoped manager).
    """

    tenant = models.ForeignKey(
        "tenants.Tenant", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    esp = models.CharField(max_length=40)
    event_id = models.CharField(max_length=200, blank=True, default="")
    envelope_sender = models.CharField(max_length=320, blank=True, default="")
    envelope_recipient = models.CharField(max_length=320, blank=True, default="")
    from_address = models.CharField(max_length=320, blank=True, default="")
    subject = models.CharField(max_length=250, blank=True, default="")
    # The Message-ID header, or a digest of the raw message when it has none (see receiver).
    message_id = models.CharField(max_length=500)
    headers = models.TextField(blank=True, default="")
    raw_mime = models.BinaryField()
    size = models.PositiveIntegerField(default=0)
    # ESP verdicts (spam flag and score, SPF/DKIM/DMARC) as the ESP passed them.
    verdicts = models.JSONField(default=dict, blank=True)
    # The ticket named by a reply+<token>@ envelope recipient (already verified).
    routed_ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=20, choices=InboundStatus.choices, default=InboundStatus.RECEIVED
    )
    reason = models.CharField(max_length=250, blank=True, default="")
    error = models.TextField(blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=0)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reply_message = models.ForeignKey(
        "tickets.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ack_to = models.CharField(max_length=320, blank=True, default="")
    # The mailbox ack_to delivers to (classify.mailbox_key): the per-recipient cap counts
    # mailboxes, so victim+1@, victim+2@ ... share one.
    ack_mailbox = models.CharField(max_length=320, blank=True, default="")
    ack_template = models.CharField(max_length=60, blank=True, default="")
    ack_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)

    objects = TenantManager()

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            # The same message delivered twice (or three times at once) is processed once:
            # every copy is kept, but only one is not marked a duplicate.
            models.UniqueConstraint(
                fields=["tenant", "message_id"],
                condition=~Q(status="duplicate"),
                name="inbound_message_once_per_tenant",
            ),
            # Replay protection: an ESP event id is accepted once.
            models.UniqueConstraint(
                fields=["esp", "event_id"],
                condition=~Q(event_id=""),
                name="inbound_event_id_once",
            ),
            SameTenantForeignKey(field="ticket", name="inbound_ticket_same_tenant"),
            SameTenantForeignKey(field="routed_ticket", name="inbound_routed_same_tenant"),
            SameTenantForeignKey(field="reply_message", name="inbound_reply_same_tenant"),
        ]
        indexes = [
            models.Index(fields=["tenant", "status", "-received_at"], name="inbound_status_idx"),
            models.Index(
                fields=["tenant", "from_address", "received_at"], name="inbound_sender_idx"
            ),
            models.Index(
                fields=["tenant", "ack_mailbox", "ack_at"],
                condition=Q(ack_at__isnull=False),
                name="inbound_ack_mailbox_idx",
            ),
            models.Index(
                fields=["received_at"],
                condition=Q(status="received"),
                name="inbound_pending_idx",
            ),
            # The tenant's automatic answers of the last hour (its hourly cap): a range of
            # this index, where inbound_ack_idx would read every answer the tenant ever sent.
            models.Index(
                fields=["tenant", "ack_at"],
                condition=Q(ack_at__isnull=False),
                name="inbound_ack_tenant_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.esp} {self.message_id} ({self.status})"


class UnknownSenderAction(models.TextChoices):
    HOLD = "hold", "Hold for review"
    CATCH_ALL = "catch_all", "Create a contact on the catch-all customer"
    REFUSE = "refuse", "Send a polite refusal"


class InboundSettings(TenantOwned):
    """How a tenant's email intake treats senders (one row per tenant; defaults if none)."""

    unknown_sender_action = models.CharField(
        max_length=20, choices=UnknownSenderAction.choices, default=UnknownSenderAction.HOLD
    )
    catch_all_customer = models.ForeignKey(
        "tenants.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    require_known_senders = models.BooleanField(
        default=False,
        help_text="Only existing client users open tickets by email; everything else is held.",
    )
    default_priority = models.ForeignKey(
        "sla.Priority", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledge = models.BooleanField(default=True, help_text="Send the tracking number.")

    objects = TenantManager()

    class Meta(TenantOwned.Meta):
        verbose_name_plural = "inbound settings"
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(fields=["tenant"], name="inbound_settings_one_per_tenant"),
            SameTenantForeignKey(field="catch_all_customer", name="inbound_catch_all_same_tenant"),
            SameTenantForeignKey(field="default_priority", name="inbound_priority_same_tenant"),
        ]
