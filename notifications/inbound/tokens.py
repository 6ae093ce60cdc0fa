"""The reply-token and Message-ID helpers live in the outbound core (tickets, below inbound,
needs them to address mail); re-exported here for the intake's existing imports."""

from notifications.outbound.tokens import (  # noqa: F401
    message_id_new,
    message_id_ours,
    reply_address,
    reply_token_ticket_id,
    reply_token_valid,
)
