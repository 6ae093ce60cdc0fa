from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = "Tickets"

    def ready(self) -> None:
        # Dependency inversion at the SLA seam: sla's jobs lock and write tickets' rows only
        # through this adapter (sla never imports tickets).
        from sla.ports import register_ticket_rows

        from .services.deadlines import TicketRowsForSla

        register_ticket_rows(TicketRowsForSla())
