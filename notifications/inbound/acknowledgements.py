"""Who gets an automatic answer to an inbound email, and what it may say. Pure: no ORM.

Never a spam relay (the Zendesk relay waves of October 2025 and January 2026 sent attacker
text from trusted domains to forged requester addresses):
- automatic mail (auto-replies, bounces, lists, our own mail coming back) is never answered;
- a message whose ESP verdicts fail is held, not answered;
- an address the tenant did not know before this message gets only our own words (the
  reference, the tenant's name): never the subject, body or display name the sender wrote;
- every recipient and every tenant has an hourly cap.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

TEMPLATES = {"ticket_created", "inbound_refused", "inbound_oversize"}
# Sender-controlled values: only ever shown to a recipient the tenant knew beforehand.
ECHO_KEYS = {"subject", "requester_name"}


@dataclass(frozen=True)
class AckLimits:
    per_recipient_per_hour: int
    per_tenant_per_hour: int


@dataclass(frozen=True)
class AckRequest:
    template: str
    recipient: str
    recipient_known: bool  # an existing user of the tenant before this message arrived
    enabled: bool = True  # the tenant's setting
    auto_reason: str = ""  # non-empty: automatic mail
    verdicts_failure: str = ""  # non-empty: the ESP's verdicts failed
    sent_to_recipient_last_hour: int = 0
    sent_by_tenant_last_hour: int = 0
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Acknowledgement:
    """An acknowledgement to send: the recipient, the template (a three-file set) and context."""

    recipient: str
    template: str
    context: Mapping[str, Any]


@dataclass(frozen=True)
class AckRefused:
    reason: str


def acknowledgement_decide(request: AckRequest, limits: AckLimits) -> Acknowledgement | AckRefused:
    if request.template not in TEMPLATES:
        raise ValueError(f"Unknown acknowledgement template {request.template!r}.")
    recipient = request.recipient.strip().lower()
    refusal = _refusal(request, recipient, limits)
    if refusal:
        return AckRefused(refusal)
    context = dict(request.context)
    if not request.recipient_known:
        for key in ECHO_KEYS:
            context.pop(key, None)
    context["recipient_known"] = request.recipient_known
    return Acknowledgement(recipient=recipient, template=request.template, context=context)


def _refusal(request: AckRequest, recipient: str, limits: AckLimits) -> str:
    if not request.enabled:
        return "acknowledgements are off for this tenant"
    if request.auto_reason:
        return f"automatic mail is never answered ({request.auto_reason})"
    if request.verdicts_failure:
        return f"held: ESP verdicts failed ({request.verdicts_failure})"
    local, at, domain = recipient.rpartition("@")
    if not at or not local or "." not in domain or any(c in recipient for c in " <>,;\r\n"):
        return "no valid recipient address"
    if request.sent_to_recipient_last_hour >= limits.per_recipient_per_hour:
        return "rate limit for this recipient reached"
    if request.sent_by_tenant_last_hour >= limits.per_tenant_per_hour:
        return "rate limit for this tenant reached"
    return ""
