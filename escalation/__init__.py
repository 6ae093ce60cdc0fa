"""Escalation: ladders per tenant, escalation records per ticket, and the acknowledgement scan.

- `models.py`: EscalationLadder / EscalationLevel (who is responsible, how long they have to
  acknowledge), Escalation (one per ticket and source; climbs its ladder in place).
- `services.py`: escalation_open (client request, agent), escalation_on_breach /
  escalation_on_warning (the breach scan's hand-off), acknowledge, reassign, deescalate,
  resolve, climb. Each step is a TicketEvent (through tickets' event service) and a
  notification (through notifications.outbound), in the caller's transaction.
- `scan.py`: unacknowledged escalations climb (beat task and `manage.py escalation_scan`).
- `configuration.py`: ladder settings (the settings pages; the admin is read-only).
"""
