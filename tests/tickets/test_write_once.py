"""The SLA<->tickets seam: creating a ticket and an agent's first reply each write the ticket
row once, in a pinned number of statements.

Before the seam (sla wrote the ticket row itself with raw SQL): create = 22 statements with 4
writes of the ticket row; first reply = 18 statements with 4 UPDATEs of the ticket row.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tickets import services
from tickets.models import Ticket

from .factories import make_ticket, sla_config

TICKET_WRITE = re.compile(r'^\s*(UPDATE|INSERT INTO)\s+"?tickets_ticket"?\s', re.IGNORECASE)


def _ticket_writes(queries) -> list[str]:
    return [q["sql"] for q in queries if TICKET_WRITE.match(q["sql"])]


@pytest.fixture
def priorities(client_user):
    found = sla_config(client_user.tenant, client_user.customer.plan)
    make_ticket(client_user)  # the tenant's counter row exists, calendars are cached
    return found


def test_creating_a_ticket_writes_its_row_once(client_user, priorities):
    tenant = client_user.tenant
    with CaptureQueriesContext(connection) as ctx:
        ticket = services.ticket_create(
            tenant=tenant, requester=client_user, subject="Printer on fire",
            description="It is burning.", priority=priorities["high"],
        )  # fmt: skip
    writes = _ticket_writes(ctx.captured_queries)
    assert len(writes) == 1 and writes[0].lstrip().upper().startswith("INSERT")
    # 9 for the ticket (the policy in force and its targets in one statement), +3 for its
    # "we received your ticket" email row (template override lookup, notification, delivery)
    # written in the same transaction.
    assert len(ctx.captured_queries) == 12, "\n".join(q["sql"][:90] for q in ctx.captured_queries)
    row = Ticket.objects.get(pk=ticket.pk)
    assert row.policy_id is not None and row.first_response_due_at is not None
    assert Ticket.objects.filter(pk=ticket.pk, search_vector="printer").exists()


def test_a_first_agent_reply_writes_the_row_once(client_user, priorities, agent):
    tenant = client_user.tenant
    ticket = Ticket.objects.select_related("tenant").get(pk=make_ticket(client_user).pk)
    with CaptureQueriesContext(connection) as ctx:
        services.ticket_reply(tenant=tenant, ticket=ticket, author=agent, body="On it, smoke.")
    writes = _ticket_writes(ctx.captured_queries)
    assert len(writes) == 1 and writes[0].lstrip().upper().startswith("UPDATE")
    # 12 for the reply, +4 for its email rows (requester and watchers in one query, template
    # override, notification, delivery) written in the same transaction.
    assert len(ctx.captured_queries) == 16, "\n".join(q["sql"][:90] for q in ctx.captured_queries)
    row = Ticket.objects.get(pk=ticket.pk)
    assert row.status == "open" and row.first_responded_at is not None
    assert row.first_response_due_at is None
    assert Ticket.objects.filter(pk=ticket.pk, search_vector="smoke").exists()


def test_a_customer_reply_reopens_a_wait_through_the_status_service(client_user, priorities, agent):
    from sla.models import ClockSegment, ClockStatus, SlaClock
    from tickets.models import EventKind, Status, TicketEvent

    tenant = client_user.tenant
    ticket = make_ticket(client_user)
    services.ticket_set_status(tenant=tenant, ticket=ticket, status=Status.PENDING_CUSTOMER,
                               actor=agent)  # fmt: skip
    with CaptureQueriesContext(connection) as ctx:
        services.ticket_reply(tenant=tenant, ticket=ticket, author=client_user, body="Here.")
    assert len(_ticket_writes(ctx.captured_queries)) == 1
    row = Ticket.objects.get(pk=ticket.pk)
    assert row.status == Status.OPEN and row.next_due_at is not None
    flip = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.STATUS).last()
    assert (flip.from_value, flip.to_value, flip.data) == (
        Status.PENDING_CUSTOMER, Status.OPEN, {"reason": "customer replied"}
    )
    assert set(SlaClock.objects.filter(ticket=ticket).values_list("status", flat=True)) == {
        ClockStatus.RUNNING
    }
    assert ClockSegment.objects.filter(clock__ticket=ticket,
                                       note__startswith="Resumed: the customer replied").exists()


def test_history_kinds_are_one_list(client_user, priorities):
    from tickets.models import EventKind

    ticket = make_ticket(client_user)
    with pytest.raises(ValueError, match="Unknown ticket event kind"):
        services.ticket_event_record(tenant=ticket.tenant, ticket=ticket, actor=None,
                                     kind="made_up", at=ticket.created_at)  # fmt: skip
    event = services.ticket_event_record(tenant=ticket.tenant, ticket=ticket, actor=None,
                                         kind=EventKind.SLA_WARNING, at=ticket.created_at)
    assert event.get_kind_display() == "SLA warning"
    assert {"escalated", "email_received", "out_of_scope", "reply"} <= set(EventKind.values)
