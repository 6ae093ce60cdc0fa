from django.apps import AppConfig


class OutboundConfig(AppConfig):
    name = "notifications.outbound"
    label = "outbound"
    verbose_name = "Notifications (outbound)"

    def ready(self) -> None:
        from anymail.signals import tracking

        from .tracking import on_tracking

        tracking.connect(on_tracking, dispatch_uid="outbound-delivery-tracking")
