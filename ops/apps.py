from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operations: health, heartbeats, fault-tolerant cache and queueing, idempotent POSTs."""

    name = "ops"
    default_auto_field = "django.db.models.BigAutoField"
