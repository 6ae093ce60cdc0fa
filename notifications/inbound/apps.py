from django.apps import AppConfig


class InboundConfig(AppConfig):
    name = "notifications.inbound"
    label = "inbound"
    verbose_name = "Inbound email"

    def ready(self) -> None:
        # anymail's `inbound` signal is its API for handing over a delivery: the one signal
        # this project connects to. The receiver only stores the delivery and queues parsing.
        from anymail.signals import inbound

        from .receiver import inbound_received

        inbound.connect(inbound_received, dispatch_uid="helpdesk_inbound_received")
