"""Converting between clock rows (SlaClock, Target) and the pure core's values."""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING

from .clock_state import ClockRules, ClockState

if TYPE_CHECKING:
    from .models import SlaClock, Target

# ClockState's fields after `metric`, in its order: a row read in this order builds the state
# positionally (the breach scan builds thousands per batch).
POSITIONAL_FIELDS = tuple(f.name for f in fields(ClockState))[1:]
# The SlaClock columns that are a ClockState's fields (besides `metric`).
STATE_FIELDS = (
    "status", "started_at", "due_at", "target_duration", "consumed", "consumed_as_of", "met_at",
    "breached_at", "warned_percent", "cycle", "paused_at", "pause_kind", "next_alert_at",
)  # fmt: skip


def rules_of(target: Target) -> ClockRules:
    """The target's calendar (cached per revision) and its policy's rules."""
    policy = target.policy
    return ClockRules(
        calendar=target.calendar.as_business_calendar(),
        warning_thresholds=tuple(policy.warning_thresholds or ()),
        max_pause=policy.max_pause,
        pause_on_hold=policy.pause_on_hold,
    )


def state_of(clock: SlaClock) -> ClockState:
    return ClockState(metric=clock.metric, **{name: getattr(clock, name) for name in STATE_FIELDS})


def state_apply(clock: SlaClock, state: ClockState) -> None:
    """Copy a state onto the row (unsaved)."""
    for name in STATE_FIELDS:
        setattr(clock, name, getattr(state, name))
