"""What a client is owed, in words, from the ticket's clocks (the portal's promise panel)."""

from __future__ import annotations

from dataclasses import dataclass

from sla.models import ClockStatus, Metric, SegmentKind, SlaClock
from tenants.access import reader_zone  # noqa: F401 (re-exported for the views)

from .templatetags.tickets_tags import in_zone

RESPOND = {Metric.FIRST_RESPONSE: "respond", Metric.NEXT_RESPONSE: "reply"}
LABELS = {
    Metric.FIRST_RESPONSE: "First response",
    Metric.NEXT_RESPONSE: "Next response",
    Metric.RESOLUTION: "Resolution",
}


@dataclass(frozen=True)
class Promise:
    metric: str
    label: str
    state: str  # running / paused / met / breached / stopped
    text: str
    due_iso: str = ""


def _running(clock: SlaClock, zone: str) -> str:
    when = in_zone(clock.due_at, zone)
    if clock.metric in RESPOND:
        return f"We will {RESPOND[clock.metric]} by {when} (your time, {zone})."
    return f"We aim to resolve this by {when} (your time, {zone})."


def _paused(clock: SlaClock) -> str:
    if clock.pause_kind == SegmentKind.PAUSED_CUSTOMER:
        return (
            "Paused while we wait for your reply: the time you take does not count against "
            "us. The clock starts again as soon as you reply."
        )
    return "Paused while the ticket is on hold; the clock starts again when work resumes."


def promise_for(clock: SlaClock, zone: str) -> Promise:
    label = LABELS.get(clock.metric, clock.metric)
    if clock.status == ClockStatus.RUNNING:
        text = _running(clock, zone)
    elif clock.status == ClockStatus.PAUSED:
        text = _paused(clock)
    elif clock.status == ClockStatus.MET:
        text = f"Met on {in_zone(clock.met_at, zone)} ({zone})."
    elif clock.status == ClockStatus.BREACHED:
        text = (
            f"Missed: due {in_zone(clock.breached_at or clock.due_at, zone)} ({zone}). "
            "You may request an escalation."
        )
    else:
        text = "Stopped."
    due_iso = clock.due_at.isoformat() if clock.status == ClockStatus.RUNNING else ""
    return Promise(clock.metric, label, clock.status, text, due_iso)


def promises(clocks: list[SlaClock], zone: str) -> list[Promise]:
    return [promise_for(clock, zone) for clock in clocks]
