"""Operational rows, in PostgreSQL so they are readable while Redis is down."""

from __future__ import annotations

from django.db import models


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
