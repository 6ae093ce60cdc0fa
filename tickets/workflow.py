"""The status workflow: the one table of allowed transitions and what each does to the clocks.

new → open → pending customer → on hold → resolved → closed; a resolved ticket may be reopened.
A closed ticket is final (a new ticket is the way back).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from sla.models import SegmentKind

from .models import Status

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset(
        {Status.OPEN, Status.PENDING_CUSTOMER, Status.ON_HOLD, Status.RESOLVED, Status.CLOSED}
    ),
    Status.OPEN: frozenset(
        {Status.PENDING_CUSTOMER, Status.ON_HOLD, Status.RESOLVED, Status.CLOSED}
    ),
    Status.PENDING_CUSTOMER: frozenset(
        {Status.OPEN, Status.ON_HOLD, Status.RESOLVED, Status.CLOSED}
    ),
    Status.ON_HOLD: frozenset(
        {Status.OPEN, Status.PENDING_CUSTOMER, Status.RESOLVED, Status.CLOSED}
    ),
    Status.RESOLVED: frozenset({Status.OPEN, Status.CLOSED}),
    Status.CLOSED: frozenset(),
}

# The one status → pause mapping (sla keeps none): why a status pauses the clocks. Whether
# "on hold" really pauses is the policy's `pause_on_hold`, applied by the clock engine.
PAUSE_REASON: dict[str, str] = {
    Status.PENDING_CUSTOMER: SegmentKind.PAUSED_CUSTOMER,
    Status.ON_HOLD: SegmentKind.PAUSED_HOLD,
}
PAUSED_STATUSES = frozenset(PAUSE_REASON)
STOPPED_STATUSES = frozenset({Status.RESOLVED, Status.CLOSED})


def can_transition(from_status: str, to_status: str) -> bool:
    return to_status in ALLOWED_TRANSITIONS.get(from_status, frozenset())


def check_transition(from_status: str, to_status: str) -> None:
    if to_status not in Status.values:
        raise ValidationError({"status": f"Unknown status {to_status!r}."})
    if not can_transition(from_status, to_status):
        raise ValidationError(
            {
                "status": (
                    f"A {Status(from_status).label.lower()} ticket cannot become "
                    f"{Status(to_status).label.lower()}."
                )
            }
        )


def allowed_next(from_status: str) -> list[str]:
    return [s for s in Status.values if s in ALLOWED_TRANSITIONS.get(from_status, frozenset())]
