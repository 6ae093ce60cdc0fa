"""Writing surveys: the scan that asks, the rating, the comment, the low-score follow-up."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from notifications.outbound.services import notification_send_template
from tenants.invitations import tenant_url
from tenants.models import Membership, Tenant
from tenants.roles import Role
from tickets.models import EventKind, Status, Ticket
from tickets.services import ticket_event_record

from .models import LOW_SCORE_MAX, SatisfactionSettings, Survey
from .tokens import survey_token

logger = logging.getLogger(__name__)

COMMENT_MAX = 2000
RATED_STATUSES = (Status.RESOLVED, Status.CLOSED)


class AlreadyRated(Exception):
    """The survey was rated before: a second submission changes nothing."""


class SurveyExpired(Exception):
    """The rating link is past its validity."""


def settings_for(*, tenant: Tenant) -> SatisfactionSettings:
    """The tenant's CSAT settings; a tenant that never set them has CSAT off."""
    found = SatisfactionSettings.objects.for_tenant(tenant).first()
    return found or SatisfactionSettings(tenant=tenant)


def settings_update(
    *, tenant: Tenant, enabled: bool, delay_minutes: int = 60, valid_days: int = 14
) -> SatisfactionSettings:
    if not 1 <= valid_days <= 365:
        raise ValidationError({"valid_days": "Between 1 and 365 days."})
    row, _ = SatisfactionSettings.objects.for_tenant(tenant).update_or_create(
        tenant=tenant,
        defaults={"enabled": enabled, "delay_minutes": delay_minutes, "valid_days": valid_days},
    )
    return row


def survey_url(survey: Survey, *, score: int | None = None) -> str:
    path = reverse("satisfaction:rate", kwargs={"survey_token": survey_token(survey.pk)})
    return tenant_url(survey.tenant, path + (f"?score={score}" if score else ""))


def _candidates(*, tenant: Tenant, settings: SatisfactionSettings, now: datetime, limit: int):
    """Resolved (or since closed) tickets without a survey, resolved at least the delay ago
    and recently enough that a link would still be valid (a tenant switching CSAT on does not
    mail its whole history). NOT EXISTS is answered by the survey's unique (tenant, ticket)
    index."""
    has_survey = Survey.objects.filter(tenant=tenant, ticket=OuterRef("pk"))
    return (
        Ticket.objects.for_tenant(tenant)
        .filter(
            status__in=RATED_STATUSES,
            resolved_at__lte=now - timedelta(minutes=settings.delay_minutes),
            resolved_at__gt=now - timedelta(days=settings.valid_days),
        )
        .filter(~Exists(has_survey))
        .select_related("customer", "requester__user")
        .order_by("resolved_at", "id")[:limit]
    )


def survey_create_for_ticket(
    *, tenant: Tenant, ticket: Ticket, settings: SatisfactionSettings, now: datetime
) -> Survey | None:
    """Create the ticket's survey and its rating request, once.

    1. Insert inside a savepoint: the unique (tenant, ticket) constraint decides between two
       scans racing on the same ticket — the loser's insert waits for the winner's commit,
       fails, and it returns None (no second email).
    2. The notification rows are written in the same transaction as the survey: both or
       neither.
    """
    try:
        with transaction.atomic():
            survey = Survey.objects.create(
                tenant=tenant, ticket=ticket, requester=ticket.requester,
                agent_id=ticket.assignee_id, customer=ticket.customer,
                plan_id=ticket.customer.plan_id, resolved_at=ticket.resolved_at or now,
                created_at=now, expires_at=now + timedelta(days=settings.valid_days),
            )  # fmt: skip
            _send_request(survey=survey, ticket=ticket, at=now)
    except IntegrityError:
        return None
    return survey


def _send_request(*, survey: Survey, ticket: Ticket, at: datetime) -> None:
    # A requester who never proved their address (a contact made from a forged From) gets no
    # text the sender wrote back: neither the subject nor the name (spam relay).
    proven = ticket.requester.address_proven
    context = {
        "tenant_name": survey.tenant.name,
        "reference": ticket.reference,
        "ticket_subject": ticket.subject if proven else "",
        "requester_name": (ticket.requester.user.full_name if proven else "")
        or ticket.requester.user.email,
        "score_links": [(n, survey_url(survey, score=n)) for n in range(1, 6)],
        "rate_url": survey_url(survey),
        "expires_at": survey.expires_at,
    }
    notification_send_template(
        tenant=survey.tenant, recipients=[ticket.requester], kind="satisfaction_request",
        context=context, link=reverse("tickets:portal_detail", args=[ticket.reference]), at=at,
    )  # fmt: skip


def satisfaction_requests_scan_cross_tenant(
    *, now: datetime | None = None, limit: int = 500
) -> int:
    """Ask for ratings of resolved tickets in every tenant with CSAT on. Reads every tenant's
    settings: a cross-tenant job. Running it twice, or twice at once, makes one survey per
    ticket (see survey_create_for_ticket). Returns how many surveys it created."""
    now = now or timezone.now()
    created = 0
    for settings in (
        SatisfactionSettings.objects.cross_tenant()
        .filter(enabled=True, tenant__is_active=True)
        .select_related("tenant")
    ):
        tenant = settings.tenant
        for ticket in _candidates(tenant=tenant, settings=settings, now=now, limit=limit):
            if survey_create_for_ticket(tenant=tenant, ticket=ticket, settings=settings, now=now):
                created += 1
    return created


@dataclass(frozen=True)
class RatingResult:
    survey: Survey
    follow_up: bool


def survey_rate(
    *,
    tenant: Tenant,
    survey_id: int,
    score: int,
    comment: str = "",
    by: Membership | None = None,
    at: datetime | None = None,
) -> RatingResult:
    """Record the rating, once.

    The conditional UPDATE (… WHERE rated_at IS NULL AND expires_at > now) is the claim: of two
    submissions of the same link, one updates the row and the other finds it rated and raises
    AlreadyRated, changing nothing. The history event and a low score's follow-up are written
    in the same transaction.
    """
    at = at or timezone.now()
    if score not in range(1, 6):
        raise ValidationError({"score": "Choose a score from 1 to 5."})
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise ValidationError({"comment": f"At most {COMMENT_MAX} characters."})
    with transaction.atomic():
        surveys = Survey.objects.for_tenant(tenant)
        claimed = surveys.filter(pk=survey_id, rated_at__isnull=True, expires_at__gt=at).update(
            score=score, comment=comment, rated_at=at, rated_by=by
        )
        survey = surveys.select_related("ticket", "customer", "agent__user").get(pk=survey_id)
        if not claimed:
            if survey.is_rated:
                raise AlreadyRated
            raise SurveyExpired
        ticket_event_record(
            tenant=tenant, ticket=survey.ticket, actor=by, kind=EventKind.SATISFACTION_RATED,
            at=at, field="satisfaction", to_value=score,
            data={"survey": survey.pk, "score": score, "comment": comment[:250]},
        )  # fmt: skip
        follow_up = score <= LOW_SCORE_MAX
        if follow_up:
            _follow_up(tenant=tenant, survey=survey, at=at)
    return RatingResult(survey=survey, follow_up=follow_up)


def survey_add_comment(
    *, tenant: Tenant, survey_id: int, comment: str, at: datetime | None = None
) -> Survey:
    """Add a comment after the one-click rating: once, and only while the link is valid."""
    at = at or timezone.now()
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": "Write a comment first."})
    if len(comment) > COMMENT_MAX:
        raise ValidationError({"comment": f"At most {COMMENT_MAX} characters."})
    surveys = Survey.objects.for_tenant(tenant)
    updated = surveys.filter(
        pk=survey_id, rated_at__isnull=False, comment="", expires_at__gt=at
    ).update(comment=comment)
    survey = surveys.get(pk=survey_id)
    if not updated:
        if not survey.is_rated:
            raise ValidationError({"score": "Choose a score first."})
        if survey.expires_at <= at:
            raise SurveyExpired
        raise AlreadyRated
    return survey


def team_leads(*, tenant: Tenant) -> list[Membership]:
    return list(
        Membership.objects.for_tenant(tenant)
        .filter(role=Role.TEAM_LEAD, is_active=True)
        .select_related("user")
    )


def _follow_up(*, tenant: Tenant, survey: Survey, at: datetime) -> None:
    """A low score is a follow-up for the team leads: a notification each (in-app and
    email), linking to the ticket's work page."""
    ticket = survey.ticket
    leads = team_leads(tenant=tenant)
    if not leads:
        logger.warning("Low CSAT score on %s but tenant %s has no team lead", ticket, tenant.slug)
        return
    notification_send_template(
        tenant=tenant, recipients=leads, kind="satisfaction_low_score",
        context={
            "reference": ticket.reference, "ticket_subject": ticket.subject,
            "customer": survey.customer.name, "score": survey.score,
            "comment": survey.comment,
            "agent": survey.agent.user.email if survey.agent else "nobody",
            "ticket_url": tenant_url(tenant, reverse("tickets:work", args=[ticket.reference])),
        },
        link=reverse("tickets:work", args=[ticket.reference]), at=at,
    )  # fmt: skip
