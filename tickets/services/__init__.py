"""Ticket services: every write to tickets goes through these functions (views, API, email
intake and tasks alike). Each writes its TicketEvent rows and drives the SLA clocks."""

from .assignment import (
    PLACEHOLDERS,
    canned_render,
    ticket_assign,
    ticket_set_priority,
    ticket_set_tier,
)
from .attachments import attachments_that_fit, attachments_validate
from .bulk import BULK_MAX, BulkResult, ticket_bulk_assign, ticket_bulk_set_status
from .common import StaleTicket, ticket_event_record
from .conversation import ticket_attach, ticket_reply, ticket_request_escalation
from .creation import reference_next, ticket_create
from .status import (
    ticket_close,
    ticket_close_out_of_scope,
    ticket_reopen,
    ticket_resolve,
    ticket_set_status,
)

__all__ = [
    "BULK_MAX",
    "BulkResult",
    "StaleTicket",
    "PLACEHOLDERS",
    "attachments_that_fit",
    "attachments_validate",
    "canned_render",
    "reference_next",
    "ticket_assign",
    "ticket_attach",
    "ticket_bulk_assign",
    "ticket_bulk_set_status",
    "ticket_close",
    "ticket_close_out_of_scope",
    "ticket_create",
    "ticket_event_record",
    "ticket_reopen",
    "ticket_reply",
    "ticket_request_escalation",
    "ticket_resolve",
    "ticket_set_priority",
    "ticket_set_status",
    "ticket_set_tier",
]
