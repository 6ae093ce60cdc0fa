"""The beat scan asks each resolved ticket's requester for a rating exactly once."""

from __future__ import annotations

import re
import threading
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connections

from notifications.outbound.models import Notification
from satisfaction import services
from satisfaction.models import Survey
from satisfaction.tasks import satisfaction_requests_scan
from satisfaction.tokens import survey_id_from_token
from tickets.models import Status

from .helpers import AFTER_DELAY, RESOLVED_AT, csat_on, resolved_ticket, scan, survey_of


@pytest.mark.django_db
class TestScan:
    def test_it_creates_one_survey_per_resolved_ticket(self, tenant, client_user, agent):
        csat_on(tenant)
        tickets = [resolved_ticket(tenant=tenant, requester=client_user, assignee=agent)
                   for _ in range(3)]  # fmt: skip
        assert scan() == 3
        assert scan() == 0  # a second run makes nothing new
        assert Survey.objects.filter(tenant=tenant).count() == 3
        survey = survey_of(tickets[0])
        assert (survey.requester, survey.agent, survey.customer) == (
            client_user, agent, client_user.customer,
        )  # fmt: skip
        assert survey.plan_id == client_user.customer.plan_id
        assert survey.expires_at == AFTER_DELAY + timedelta(days=14)

    def test_the_task_runs_the_scan(self, tenant, client_user):
        csat_on(tenant, delay_minutes=0)
        ticket = resolved_ticket(tenant=tenant, requester=client_user)
        Survey.objects.all().delete()
        with mock.patch("django.utils.timezone.now", return_value=AFTER_DELAY):
            assert satisfaction_requests_scan() == "1"
        assert survey_of(ticket)

    def test_it_waits_for_the_delay(self, tenant, client_user):
        csat_on(tenant, delay_minutes=120)
        resolved_ticket(tenant=tenant, requester=client_user)
        assert scan(RESOLVED_AT + timedelta(minutes=119)) == 0
        assert scan(RESOLVED_AT + timedelta(minutes=121)) == 1

    def test_it_skips_open_tickets_csat_off_and_old_resolutions(
        self, tenant, other_tenant, client_user
    ):
        from tests.factories import CustomerFactory, client_membership

        open_ticket = resolved_ticket(tenant=tenant, requester=client_user)
        open_ticket.status = Status.OPEN
        open_ticket.save()
        csat_on(tenant)
        resolved_ticket(tenant=tenant, requester=client_user,
                        resolved_at=RESOLVED_AT - timedelta(days=30))  # fmt: skip
        other = client_membership(other_tenant, CustomerFactory(tenant=other_tenant))
        resolved_ticket(tenant=other_tenant, requester=other)  # other_tenant has CSAT off
        assert scan() == 0

    def test_closed_after_resolution_still_asks(self, tenant, client_user):
        csat_on(tenant)
        ticket = resolved_ticket(tenant=tenant, requester=client_user)
        ticket.status = Status.CLOSED
        ticket.save()
        assert scan() == 1

    def test_the_requester_gets_an_email_notification_with_the_signed_link(
        self, tenant, client_user
    ):
        csat_on(tenant)
        ticket = resolved_ticket(tenant=tenant, requester=client_user)
        scan()
        survey = survey_of(ticket)
        note = Notification.objects.get(tenant=tenant, kind="satisfaction_request")
        assert note.recipient == client_user
        assert ticket.reference in note.subject
        links = re.findall(r"https?://acme\.[^/\s\"]+/satisfaction/([^/\s\"]+)/\?score=(\d)",
                           note.body)  # fmt: skip
        assert [score for _token, score in links] == ["1", "2", "3", "4", "5"]
        assert {survey_id_from_token(token) for token, _ in links} == {survey.pk}
        assert "/satisfaction/" in note.body_html and 'data-score="5"' in note.body_html
        assert note.link == f"/tickets/{ticket.reference}/"


def _wait_until_a_backend_waits_on_a_lock(seconds: float = 5.0) -> bool:
    """From a connection of its own: is another scan blocked on the uncommitted survey row?
    Polls a real server: bounded."""
    probe = connections.create_connection("default")
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with probe.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock'"
                )
                if cursor.fetchone()[0]:
                    return True
            time.sleep(0.05)
        return False
    finally:
        probe.close()


@pytest.mark.django_db(transaction=True)
def test_two_scans_at_once_make_one_survey_and_one_email(tenant, client_user):
    """The first scan, with its survey inserted but not committed, waits until the second is
    seen blocked in PostgreSQL on the unique (tenant, ticket) index; then it commits and the
    second's insert fails: one survey, one notification."""
    csat_on(tenant)
    ticket = resolved_ticket(tenant=tenant, requester=client_user)
    original = services._send_request
    first_in = threading.Event()
    saw_block: list[bool] = []

    def slow_first(**kwargs):
        if not first_in.is_set():
            first_in.set()
            saw_block.append(_wait_until_a_backend_waits_on_a_lock())
        return original(**kwargs)

    created: list[int] = []

    def run() -> None:
        try:
            created.append(scan())
        finally:
            connections.close_all()

    with mock.patch.object(services, "_send_request", slow_first):
        first = threading.Thread(target=run)
        first.start()
        assert first_in.wait(10)
        second = threading.Thread(target=run)
        second.start()
        first.join(20)
        second.join(20)
    assert saw_block == [True]
    assert sorted(created) == [0, 1]
    assert Survey.objects.filter(ticket=ticket).count() == 1
    assert Notification.objects.filter(kind="satisfaction_request").count() == 1


@pytest.mark.django_db
def test_the_demo_asks_ionetech_only_and_loads_idempotently(settings):
    from django.core.management import call_command

    from satisfaction.models import SatisfactionSettings

    settings.DEBUG = True
    call_command("load_demo")
    enabled = SatisfactionSettings.objects.filter(enabled=True).values_list(
        "tenant__slug", flat=True
    )
    assert list(enabled) == ["ionetech"]
    surveys = Survey.objects.select_related("tenant", "ticket")
    assert surveys.count() >= 1
    assert {(s.tenant.slug, s.ticket.status) for s in surveys} == {("ionetech", Status.RESOLVED)}
    requests = Notification.objects.filter(kind="satisfaction_request").count()
    assert requests == surveys.count()
    call_command("load_demo")
    assert Survey.objects.count() == requests
