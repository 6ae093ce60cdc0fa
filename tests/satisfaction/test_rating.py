"""Rating through the signed link: no sign-in, once, within its validity, on its own host."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine

from notifications.outbound.models import Notification
from satisfaction.models import Survey
from satisfaction.services import survey_url
from satisfaction.tokens import survey_token
from tenants.roles import Role
from tests.conftest import host, login_as
from tests.factories import MembershipFactory
from tickets.models import EventKind, TicketEvent

from .helpers import AFTER_DELAY, csat_on, link_path, resolved_ticket, scan, survey_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _an_hour_after_the_request():
    with time_machine.travel(AFTER_DELAY + timedelta(hours=1), tick=False):
        yield


@pytest.fixture
def survey(tenant, client_user, agent):
    csat_on(tenant)
    ticket = resolved_ticket(tenant=tenant, requester=client_user, assignee=agent)
    scan()
    return survey_of(ticket)


@pytest.fixture
def lead(tenant):
    return MembershipFactory(tenant=tenant, role=Role.TEAM_LEAD, user__email="lead@acme.example")


def _email_link(score: int) -> str:
    body = Notification.objects.get(kind="satisfaction_request").body
    return link_path(re.search(rf"(https?://\S+\?score={score})", body).group(1))


class TestRatingLink:
    def test_the_email_link_opens_a_page_with_the_score_chosen_and_records_nothing(
        self, tenant_client, survey
    ):
        response = tenant_client.get(_email_link(4))
        assert response.status_code == 200
        assert re.search(rb'value="4"[^>]*checked', response.content)
        assert b"Submit rating" in response.content
        survey.refresh_from_db()
        assert survey.score is None and survey.rated_at is None  # a link scanner rates nothing

    def test_one_click_records_the_rating_without_sign_in(self, tenant_client, survey):
        path = _email_link(5)
        response = tenant_client.post(path.split("?")[0], {"score": "5"})
        assert response.status_code == 302
        survey.refresh_from_db()
        assert (survey.score, survey.comment, survey.rated_by) == (5, "", None)
        page = tenant_client.get(response["Location"])
        assert b"You rated this <strong>5 out of 5</strong>" in page.content
        event = TicketEvent.objects.get(ticket=survey.ticket, kind=EventKind.SATISFACTION_RATED)
        assert event.to_value == "5" and event.actor is None

    def test_a_comment_can_be_added_after_once(self, tenant_client, survey):
        path = link_path(survey_url(survey))
        tenant_client.post(path, {"score": "4"})
        response = tenant_client.post(path, {"action": "comment", "comment": "Quick, thanks"})
        assert response.status_code == 302
        survey.refresh_from_db()
        assert (survey.score, survey.comment) == (4, "Quick, thanks")
        again = tenant_client.post(path, {"action": "comment", "comment": "Changed my mind"})
        assert again.status_code == 409
        survey.refresh_from_db()
        assert survey.comment == "Quick, thanks"

    def test_a_second_submission_changes_nothing_and_says_already_rated(
        self, tenant_client, survey
    ):
        path = link_path(survey_url(survey))
        tenant_client.post(path, {"score": "5", "comment": "Great"})
        response = tenant_client.post(path, {"score": "1", "comment": "Replayed"})
        assert response.status_code == 409
        assert b"already rated" in response.content
        survey.refresh_from_db()
        assert (survey.score, survey.comment) == (5, "Great")
        assert TicketEvent.objects.filter(kind=EventKind.SATISFACTION_RATED).count() == 1

    @pytest.mark.parametrize("score", ["", "0", "6", "five"])
    def test_a_bad_score_is_a_400_with_the_error(self, tenant_client, survey, score):
        response = tenant_client.post(link_path(survey_url(survey)), {"score": score})
        assert response.status_code == 400
        assert b'role="alert"' in response.content
        survey.refresh_from_db()
        assert survey.score is None

    def test_a_forged_or_altered_token_is_a_400(self, tenant_client, survey):
        token = survey_token(survey.pk)
        for bad in (token[:-3] + "abc", "eyJzIjoxfQ:forged:sig", "x"):
            for method in ("get", "post"):
                response = getattr(tenant_client, method)(f"/satisfaction/{bad}/", {"score": "5"})
                assert response.status_code == 400, (bad, method)
                assert b"not valid" in response.content
        survey.refresh_from_db()
        assert survey.score is None

    def test_a_token_signed_with_another_salt_is_refused(self, tenant_client, survey):
        from django.core import signing

        token = signing.dumps({"s": survey.pk}, salt="accounts.invitation")
        assert tenant_client.get(f"/satisfaction/{token}/").status_code == 400

    def test_another_tenants_host_is_a_404(self, client, survey, other_tenant):
        path = link_path(survey_url(survey))
        response = client.post(path, {"score": "5"}, HTTP_HOST=host(other_tenant))
        assert response.status_code == 404
        assert client.get(path, HTTP_HOST=host(other_tenant)).status_code == 404
        survey.refresh_from_db()
        assert survey.score is None

    def test_a_missing_survey_is_a_404(self, tenant_client, survey):
        missing = survey_token(survey.pk + 999)
        assert tenant_client.get(f"/satisfaction/{missing}/").status_code == 404


def test_an_expired_link_is_a_410_and_records_nothing(tenant_client, survey):
    path = link_path(survey_url(survey))
    with time_machine.travel(survey.expires_at + timedelta(seconds=1), tick=False):
        assert tenant_client.get(path).status_code == 410
        response = tenant_client.post(path, {"score": "5"})
        assert response.status_code == 410
        assert b"expired" in response.content
    survey.refresh_from_db()
    assert survey.score is None
    with time_machine.travel(survey.expires_at - timedelta(seconds=1), tick=False):
        assert tenant_client.post(path, {"score": "5"}).status_code == 302


class TestLowScoreFollowUp:
    def test_a_low_score_notifies_the_team_leads(self, tenant_client, survey, lead, manager):
        tenant_client.post(link_path(survey_url(survey)), {"score": "2", "comment": "Slow"})
        notes = Notification.objects.filter(kind="satisfaction_low_score")
        assert [n.recipient for n in notes] == [lead]
        note = notes.get()
        assert "2/5" in note.subject and survey.ticket.reference in note.subject
        assert "Slow" in note.body and "agent@acme.example" in note.body
        assert note.link == f"/work/{survey.ticket.reference}/"
        event = TicketEvent.objects.get(kind=EventKind.SATISFACTION_RATED)
        assert event.data["score"] == 2 and event.data["comment"] == "Slow"

    @pytest.mark.parametrize("score", ["3", "4", "5"])
    def test_other_scores_open_no_follow_up(self, tenant_client, survey, lead, score):
        tenant_client.post(link_path(survey_url(survey)), {"score": score})
        assert not Notification.objects.filter(kind="satisfaction_low_score").exists()


class TestPortal:
    def test_the_requester_rates_from_the_resolved_ticket_page(self, client, survey, client_user):
        login_as(client, client_user)
        page = client.get(f"/tickets/{survey.ticket.reference}/")
        assert page.status_code == 200
        assert b'id="csat-prompt"' in page.content
        action = re.search(rb'action="(/satisfaction/[^"]+/)"', page.content).group(1).decode()
        response = client.post(action, {"score": "4", "comment": "Fine"})
        assert response.status_code == 302
        survey.refresh_from_db()
        assert (survey.score, survey.rated_by) == (4, client_user)
        again = client.get(f"/tickets/{survey.ticket.reference}/")
        assert b"You rated this <strong>4 out of 5</strong>" in again.content

    def test_a_colleague_sees_no_prompt(self, client, survey, client_admin):
        login_as(client, client_admin)
        page = client.get(f"/tickets/{survey.ticket.reference}/")
        assert page.status_code == 200
        assert b"csat-prompt" not in page.content

    def test_no_survey_no_prompt(self, client, tenant, client_user):
        ticket = resolved_ticket(tenant=tenant, requester=client_user)
        login_as(client, client_user)
        page = client.get(f"/tickets/{ticket.reference}/")
        assert page.status_code == 200 and b"csat-prompt" not in page.content
        assert not Survey.objects.exists()
