from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from sla.models import ClockStatus, SegmentKind, SlaClock
from tenants.scoping import request_scope
from tickets import services
from tickets.models import Message, Status, Ticket, TicketEvent
from tickets.workflow import ALLOWED_TRANSITIONS, can_transition

from .factories import make_ticket, sla_config

T0 = datetime(2026, 5, 26, 9, 0, tzinfo=UTC)


def clocks(ticket):
    return {c.metric: c for c in SlaClock.objects.filter(ticket=ticket)}


def test_it_numbers_tickets_per_tenant_with_the_prefix(client_user, outsider, other_tenant):
    first = make_ticket(client_user)
    second = make_ticket(client_user)
    assert first.reference == "ACM-1001"
    assert second.reference == "ACM-1002"
    assert first.number + 1 == second.number


def test_it_never_reuses_a_number_after_a_failed_create(client_user):
    make_ticket(client_user)
    with pytest.raises(ValidationError):
        make_ticket(
            client_user,
            subject="x",
            attachments=[
                SimpleUploadedFile("evil.exe", b"MZ", content_type="application/x-msdownload")
            ],
        )
    assert make_ticket(client_user).reference == "ACM-1002"  # rolled back: never committed


@time_machine.travel(T0, tick=False)
def test_it_starts_the_clocks_and_stores_the_policy(client_user):
    ticket = make_ticket(client_user, priority="critical")
    assert ticket.policy is not None
    assert ticket.first_response_due_at == T0 + timedelta(hours=1)
    assert ticket.resolution_due_at == T0 + timedelta(hours=4)
    assert ticket.next_due_at == T0 + timedelta(hours=1)
    assert TicketEvent.objects.get(ticket=ticket).kind == "created"


def test_the_transition_table_is_the_workflow():
    assert can_transition(Status.NEW, Status.OPEN)
    assert can_transition(Status.RESOLVED, Status.OPEN)
    assert not can_transition(Status.CLOSED, Status.OPEN)
    assert not can_transition(Status.RESOLVED, Status.PENDING_CUSTOMER)
    assert set(ALLOWED_TRANSITIONS) == set(Status.values)


def test_it_refuses_a_transition_not_in_the_table(client_user, agent):
    ticket = make_ticket(client_user)
    services.ticket_close(tenant=ticket.tenant, ticket=ticket, actor=agent)
    with pytest.raises(ValidationError) as error:
        services.ticket_set_status(
            tenant=ticket.tenant, ticket=ticket, status=Status.OPEN, actor=agent
        )
    assert "status" in error.value.message_dict


def test_pending_customer_pauses_and_the_customer_reply_resumes(client_user, agent):
    tenant = client_user.tenant
    with time_machine.travel(T0, tick=False):
        ticket = make_ticket(client_user, priority="high")
        services.ticket_reply(tenant=tenant, ticket=ticket, author=agent, body="Which model?")
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        services.ticket_set_status(
            tenant=tenant, ticket=ticket, status=Status.PENDING_CUSTOMER, actor=agent
        )
        assert clocks(ticket)["resolution"].status == ClockStatus.PAUSED
        assert clocks(ticket)["resolution"].pause_kind == SegmentKind.PAUSED_CUSTOMER
    with time_machine.travel(T0 + timedelta(hours=5), tick=False):
        services.ticket_reply(tenant=tenant, ticket=ticket, author=client_user, body="X-100")
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    resolution = clocks(ticket)["resolution"]
    assert resolution.status == ClockStatus.RUNNING
    # 24 h target, 1 h consumed before the pause, resumed at +5 h: due at +28 h.
    assert resolution.due_at == T0 + timedelta(hours=28)
    assert ticket.resolution_due_at == resolution.due_at


@time_machine.travel(T0, tick=False)
def test_the_first_public_agent_reply_meets_first_response(client_user, agent):
    tenant = client_user.tenant
    ticket = make_ticket(client_user)
    services.ticket_reply(tenant=tenant, ticket=ticket, author=agent, body="Noted", internal=True)
    assert clocks(ticket)["first_response"].status == ClockStatus.RUNNING
    services.ticket_reply(tenant=tenant, ticket=ticket, author=agent, body="On it")
    assert clocks(ticket)["first_response"].status == ClockStatus.MET
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.first_responded_at == T0
    assert ticket.first_response_due_at is None


def test_only_staff_write_internal_notes(client_user):
    ticket = make_ticket(client_user)
    with pytest.raises(ValidationError) as error:
        services.ticket_reply(
            tenant=ticket.tenant, ticket=ticket, author=client_user, body="hi", internal=True
        )
    assert "internal" in error.value.message_dict


def test_resolve_stops_resolution_and_reopen_resumes_it(client_user, agent):
    tenant = client_user.tenant
    ticket = make_ticket(client_user)
    services.ticket_resolve(tenant=tenant, ticket=ticket, actor=agent)
    assert clocks(ticket)["resolution"].status == ClockStatus.MET
    assert ticket.resolved_at is not None
    services.ticket_reopen(tenant=tenant, ticket=ticket, actor=client_user)
    assert clocks(ticket)["resolution"].status == ClockStatus.RUNNING
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN and ticket.resolved_at is None
    kinds = list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert kinds == ["created", "status", "reopened"]


def test_a_client_may_close_but_not_put_on_hold(client_user):
    ticket = make_ticket(client_user)
    with pytest.raises(ValidationError):
        services.ticket_set_status(
            tenant=ticket.tenant, ticket=ticket, status=Status.ON_HOLD, actor=client_user
        )
    services.ticket_close(tenant=ticket.tenant, ticket=ticket, actor=client_user)
    assert Ticket.objects.get(pk=ticket.pk).status == Status.CLOSED


def test_assign_priority_and_tier_write_history(client_user, agent):
    tenant = client_user.tenant
    ticket = make_ticket(client_user, priority="low")
    priorities = sla_config(tenant)
    services.ticket_assign(tenant=tenant, ticket=ticket, assignee=agent, actor=agent)
    services.ticket_set_priority(
        tenant=tenant, ticket=ticket, priority=priorities["critical"], actor=agent
    )
    services.ticket_set_tier(tenant=tenant, ticket=ticket, tier=2, actor=agent)
    events = TicketEvent.objects.filter(ticket=ticket).exclude(kind="created")
    assert [(e.kind, e.from_value, e.to_value) for e in events] == [
        ("assigned", "", agent.user.email),
        ("priority", "low", "critical"),
        ("tier", "1", "2"),
    ]
    assert clocks(ticket)["first_response"].target.priority.key == "critical"


def test_it_refuses_an_assignee_of_another_tenant_or_a_client(client_user, outsider):
    ticket = make_ticket(client_user)
    for assignee in (outsider, client_user):
        with pytest.raises(ValidationError):
            services.ticket_assign(
                tenant=ticket.tenant, ticket=ticket, assignee=assignee, actor=None
            )


def test_bulk_status_reports_what_failed(client_user, agent):
    tenant = client_user.tenant
    a, b = make_ticket(client_user), make_ticket(client_user)
    services.ticket_close(tenant=tenant, ticket=b, actor=agent)
    result = services.ticket_bulk_set_status(
        tenant=tenant, references=[a.reference, b.reference], status=Status.ON_HOLD, actor=agent
    )
    assert result.changed == [a.reference]
    assert list(result.refused) == [b.reference]


def test_the_search_vector_covers_public_messages_only(client_user, agent):
    from django.contrib.postgres.search import SearchQuery

    tenant = client_user.tenant
    ticket = make_ticket(client_user, subject="VPN drops", description="Every hour")
    services.ticket_reply(tenant=tenant, ticket=ticket, author=agent, body="firmware upgrade")
    services.ticket_reply(
        tenant=tenant, ticket=ticket, author=agent, body="secretword", internal=True
    )

    def found(text):
        return Ticket.objects.filter(search_vector=SearchQuery(text, config="english")).exists()

    assert found("vpn") and found("upgrading") and not found("secretword")


def test_bodies_are_sanitised(client_user, agent):
    ticket = make_ticket(client_user)
    message = services.ticket_reply(
        tenant=ticket.tenant,
        ticket=ticket,
        author=None,
        author_email="x@initech.example",
        html_body='<p onclick="x()">Hi<script>alert(1)</script></p>',
        channel="email",
    )
    assert message.body_html == "<p>Hi</p>"
    assert message.body_text == "Hi"
    plain = services.ticket_reply(tenant=ticket.tenant, ticket=ticket, author=agent, body="<b>x")
    assert plain.body_html == "<p>&lt;b&gt;x</p>"


def test_services_work_inside_a_request_scope(client_user, agent):
    with request_scope():
        ticket = make_ticket(client_user)
        services.ticket_reply(tenant=ticket.tenant, ticket=ticket, author=agent, body="ok")
        services.ticket_set_status(
            tenant=ticket.tenant, ticket=ticket, status=Status.ON_HOLD, actor=agent
        )
    assert Message.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_tickets_of_a_tenant_get_consecutive_numbers(client_user):
    """Real connections: four submissions at once, the tenant's very first (no counter row
    yet): four different, consecutive numbers, none lost."""
    import threading

    from django.db import connections

    from tickets.models import TicketCounter

    assert not TicketCounter.objects.filter(tenant=client_user.tenant).exists()
    barrier = threading.Barrier(4)
    numbers, errors = [], []

    def submit():
        try:
            barrier.wait(timeout=10)
            numbers.append(make_ticket(client_user).number)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(numbers) == [1001, 1002, 1003, 1004]
