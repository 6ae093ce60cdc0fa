"""The portal's rating prompt on a resolved ticket, shown to its requester only."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from ..forms import RatingForm
from ..selectors import survey_for_ticket
from ..tokens import survey_token

register = template.Library()


@register.inclusion_tag("satisfaction/_portal_prompt.html", takes_context=True)
def satisfaction_prompt(context: Any, ticket: Any) -> dict[str, Any]:
    request = context.get("request")
    membership = getattr(request, "membership", None)
    tenant = getattr(request, "tenant", None)
    if tenant is None or membership is None or membership.pk != ticket.requester_id:
        return {"survey": None}
    survey = survey_for_ticket(tenant=tenant, ticket_id=ticket.pk)
    if survey is None or (not survey.is_rated and survey.expires_at <= timezone.now()):
        return {"survey": None}
    # The inclusion node passes the page's csrf_token on to the prompt's form.
    return {"survey": survey, "token": survey_token(survey.pk), "form": RatingForm()}
