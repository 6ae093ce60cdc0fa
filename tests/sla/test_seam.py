"""sla never reaches into tickets' tables: no import, no query, no SQL naming them. It refers
to tickets only through lazy model references ("tickets.Ticket") and the port it defines."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sla import ports

SLA = Path(__file__).resolve().parents[2] / "sla"
FORBIDDEN = [
    # a table of tickets (tickets_ticket, tickets_ticketevent, the M2M tables...)
    re.compile(r"\btickets_(ticket|message|attachment|category|cannedresponse)\w*"),
    re.compile(r"^\s*(from|import)\s+tickets\b", re.MULTILINE),
    re.compile(r"""apps\.get_model\(\s*["']tickets"""),
    re.compile(r"""get_field\(\s*["']ticket["']\s*\)\s*\.\s*related_model"""),
    re.compile(r"ticket_model\b"),
]
LAZY_REFERENCE = re.compile(r"""["']tickets\.(\w+)["']""")


def _sources() -> list[Path]:
    return sorted(p for p in SLA.rglob("*.py") if "migrations" not in p.parts)


def test_the_table_pattern_covers_every_table_of_tickets():
    from django.apps import apps

    tables = {m._meta.db_table for m in apps.get_app_config("tickets").get_models(
        include_auto_created=True)}  # fmt: skip
    assert tables and all(FORBIDDEN[0].fullmatch(t) for t in tables), tables


def test_sla_has_no_import_query_or_sql_touching_tickets():
    offences = []
    for path in _sources():
        text = path.read_text()
        for pattern in FORBIDDEN:
            offences += [f"{path.name}: {m.group(0)!r}" for m in pattern.finditer(text)]
        for match in LAZY_REFERENCE.finditer(text):
            line = text[text.rfind("\n", 0, match.start()) + 1 : text.find("\n", match.end())]
            if "ForeignKey(" not in line and "ForeignKey(" not in text[match.start() - 80 :
                                                                        match.start()]:
                offences.append(f"{path.name}: {line.strip()!r}")
    assert offences == []


def test_the_grep_catches_what_the_old_code_did(tmp_path):
    """The patterns above flag the old engine's raw SQL and duck-typing (the test can fail)."""
    old = 'tickets = ticket_model()._meta.db_table\nsql = "UPDATE tickets_ticket SET"\n'
    assert all(any(p.search(line) for p in FORBIDDEN) for line in old.splitlines())


def test_tickets_registers_its_rows_with_the_port():
    from tickets.services.deadlines import TicketRowsForSla

    assert isinstance(ports.ticket_rows(), TicketRowsForSla)


@pytest.mark.django_db
def test_the_port_writes_only_rows_whose_deadlines_changed(client_user):
    from tests.tickets.factories import make_ticket

    ticket = make_ticket(client_user)
    same = ports.TicketDeadlines(
        ticket.first_response_due_at, ticket.resolution_due_at, ticket.next_due_at, False
    )
    rows = ports.ticket_rows()
    assert rows.write_deadlines(tenant=ticket.tenant, deadlines={ticket.pk: same}) == 0
    breached = ports.TicketDeadlines(None, None, None, True)
    assert rows.write_deadlines(tenant=ticket.tenant, deadlines={ticket.pk: breached}) == 1
    ticket.refresh_from_db()
    assert ticket.is_breached and ticket.next_due_at is None
