"""Operational rows, in PostgreSQL so they are readable while Redis is down."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from tenants.scoping import TenantOwned


class Heartbeat(models.Model):
    """The last time a background process proved it was alive; one row per kind of process."""

    class Kind(models.TextChoices):
        BEAT = "beat", "Beat (scheduler)"
        WORKER = "worker", "Worker (task received from the broker and run)"

    kind = models.CharField(max_length=20, choices=Kind.choices, unique=True)
    at = models.DateTimeField()
    detail = models.CharField(max_length=200, blank=True, default="")

    def __str__(self) -> str:
        return f"{self.kind} at {self.at:%Y-%m-%d %H:%M:%S}"


class IdempotencyRecord(TenantOwned):
    """One submission, by its key: an API POST's `Idempotency-Key` header or an HTML form's
    one-time token. The first request inserts the row in its own transaction and stores its
    response there; a repeat (same tenant, user, scope and key) gets that response back. The
    unique constraint makes a concurrent repeat wait for the first and then replay it."""

    class Scope(models.TextChoices):
        API = "api", "API request (Idempotency-Key)"
        FORM = "form", "HTML form (one-time token)"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=10, choices=Scope.choices)
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    result_url = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta(TenantOwned.Meta):
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(
                fields=["tenant", "user", "scope", "key"], name="idempotency_key_uniq"
            ),
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_idx")]
