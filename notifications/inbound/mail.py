"""Sending an acknowledgement: a Notification with an email Delivery row in the outbox,
written in the intake's own transaction (so it commits or rolls back with the ticket), and
delivered by the email transport after commit, at most once, with retries.

Whether to answer at all, to whom and with which words is decided purely in
acknowledgements.py (anti-relay rules, hourly caps); this module only writes the row.
"""

from __future__ import annotations

from notifications.outbound.services import notification_send_email
from notifications.outbound.tokens import message_id_ours
from tenants.models import Tenant

from .acknowledgements import Acknowledgement


def acknowledgement_write(
    *, tenant: Tenant, ack: Acknowledgement, reply_to: str, ticket_id: int = 0,
    in_reply_to: str = "",
) -> None:  # fmt: skip
    context = dict(ack.context)
    headers = {"In-Reply-To": in_reply_to, "References": in_reply_to} if in_reply_to else {}
    notification_send_email(
        tenant=tenant,
        recipients=[ack.recipient],
        event=ack.template,
        context=context,
        topic=f"ticket:{ticket_id}" if ticket_id else "",
        thread_id=ticket_id,
        reply_to=reply_to,
        from_email=str(context.get("from_email") or ""),
        headers=headers,
        automatic=True,
    )


def acknowledgement_send_on_commit(
    *, ack: Acknowledgement, reply_to: str, message_id: str, in_reply_to: str = "",
    tenant: Tenant | None = None,
) -> None:  # fmt: skip
    """The intake's entry point. `message_id` is the signed id the intake made for this
    answer: it names the tenant and the ticket (0: none) the row is written for; the outbox
    writes the delivery's own stable Message-ID, signed the same way. `tenant`: the intake's
    own tenant object, used (not read again) when it is the one the id names."""
    ours = message_id_ours(message_id)
    if ours is None:
        raise ValueError("The acknowledgement's Message-ID is not one of ours.")
    tenant_id, ticket_id = ours
    if tenant is None or tenant.pk != tenant_id:
        tenant = Tenant.objects.get(pk=tenant_id)
    acknowledgement_write(
        tenant=tenant, ack=ack, reply_to=reply_to, ticket_id=ticket_id, in_reply_to=in_reply_to
    )
