"""The escalation panels other apps' pages include (tickets sits below escalation, so its
views cannot ask for escalations; its templates include these instead)."""

from __future__ import annotations

from typing import Any

from django import template

from tenants.roles import Perm
from tickets.models import Status as TicketStatus
from tickets.presenters import reader_zone

from ..forms import ReasonForm
from ..models import Source
from ..selectors import active_for_ticket, latest_request

register = template.Library()


@register.inclusion_tag("escalation/_portal_panel.html", takes_context=True)
def portal_escalation(context: template.Context, ticket: Any) -> dict[str, Any]:
    """The client's view: their latest request, its status and when we will acknowledge it
    (in their own time zone), and the form when they may ask."""
    request = context["request"]
    membership = request.membership
    latest = latest_request(tenant=request.tenant, ticket_id=ticket.pk,
                            source=Source.CLIENT_REQUEST)  # fmt: skip
    active = latest is not None and latest.status != "resolved"
    return {
        "ticket": ticket,
        "latest": latest,
        "zone": reader_zone(request),
        "can_request": (
            membership.can(Perm.ESCALATION_REQUEST)
            and ticket.status != TicketStatus.CLOSED
            and not active
        ),
        "form": ReasonForm(),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("escalation/_work_panel.html", takes_context=True)
def work_escalation(context: template.Context, ticket: Any) -> dict[str, Any]:
    """The agent's view: active escalations with their acknowledgement clocks; escalate."""
    request = context["request"]
    return {
        "ticket": ticket,
        "escalations": active_for_ticket(tenant=request.tenant, ticket_id=ticket.pk),
        "zone": reader_zone(request),
        "can_escalate": request.membership.can(Perm.ESCALATION_RAISE)
        and ticket.status != TicketStatus.CLOSED,
        "form": ReasonForm(),
        "csrf_token": context.get("csrf_token"),
    }
