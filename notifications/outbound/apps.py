from django.apps import AppConfig


class OutboundConfig(AppConfig):
    name = "notifications.outbound"
    label = "outbound"
    verbose_name = "Notifications (outbound)"
