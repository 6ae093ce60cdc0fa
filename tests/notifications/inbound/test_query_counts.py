"""The parse task's query count, pinned: a gain in the intake cannot silently regress.

The bounds are today's counts (run under pytest's transaction, so every atomic block is a
SAVEPOINT/RELEASE pair); a change that needs more must say why here."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.inbound.models import InboundEmail, InboundStatus
from notifications.inbound.services import inbound_process_cross_tenant
from tickets.models import Ticket

from .conftest import SUPPORT
from .mail import raw_email

CLIENT = "client@initech.example"


def stored(tenant, *, sender: str = CLIENT, **kwargs) -> InboundEmail:
    raw = raw_email(sender=sender, to=SUPPORT, **kwargs)
    return InboundEmail.objects.create(
        tenant=tenant, esp="test", message_id=f"<{hash(raw)}@initech.example>",
        from_address=sender, envelope_sender=sender, envelope_recipient=SUPPORT, raw_mime=raw,
    )


def parse_queries(row: InboundEmail) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        inbound_process_cross_tenant(inbound_id=row.pk)
    return [q["sql"] for q in captured.captured_queries]


def test_a_known_clients_new_ticket(acme, client_user):
    from tests.tickets.factories import make_ticket

    make_ticket(client_user)  # (the tenant's ticket counter exists: not the first ticket)
    row = stored(acme)
    queries = parse_queries(row)
    row.refresh_from_db()
    assert row.status == InboundStatus.TICKET_CREATED and row.ack_to == CLIENT
    # The row (locked) and its tenant, one count for the sender's limit and both
    # acknowledgement caps, the sender's membership (no domain lookup for a member), the
    # intake settings and default priority; then ticket_create (the policy in force and its
    # targets in one statement) and the acknowledgement's outbox rows; the row's update.
    assert len(queries) <= 23, "\n".join(q[:100] for q in queries)
    assert not any('"tenants_customer"."email_domains" @>' in q for q in queries)


def test_a_reply_to_a_ticket_by_its_reference(acme, client_user):
    from tests.tickets.factories import make_ticket

    ticket = make_ticket(client_user)
    row = stored(acme, subject=f"Re: [{ticket.reference}] help")
    queries = parse_queries(row)
    row.refresh_from_db()
    assert row.status == InboundStatus.REPLIED and row.ticket == ticket
    # (the row and its tenant are two statements: the locking one is written out)
    assert len(queries) <= 17, "\n".join(q[:100] for q in queries)
    assert Ticket.objects.count() == 1
