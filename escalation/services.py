"""Escalation services: every write to escalations goes through these (views, API, the scan,
the breach scan's entry points). Each step writes a TicketEvent and notifies the people the
step concerns, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from notifications.outbound.services import (
    Outgoing,
    notification_render_many,
    notification_send_many,
    notification_send_template,
)
from tenants.bulk import fetch_binary, temp_rows
from tenants.models import Customer, Membership, Tenant
from tenants.roles import STAFF_ROLES
from tickets import services as ticket_services
from tickets.models import OPEN_STATUSES, Ticket
from tickets.models import Status as TicketStatus
from tickets.services.common import NewEvent, ticket_events_record_many

from . import history
from .ladders import (
    acknowledge_deadline,
    ladder_for,
    level_at,
    level_owner,
    level_people,
    levels_people_cross_tenant,
)
from .models import (
    ACTIVE_STATUSES,
    REQUEST_SOURCES,
    Escalation,
    EscalationLadder,
    EscalationLevel,
    Source,
    Status,
    TargetKind,
)

REASON_MAX = 2000


class EscalationConflict(ValidationError):
    """An active escalation already exists where only one may (the API answers 409)."""


def _now(at: datetime | None) -> datetime:
    if at is None:
        return timezone.now()
    if timezone.is_naive(at):
        raise ValueError("Naive datetime: pass an aware instant.")
    return at


def _when(tenant: Tenant, value: datetime | None) -> str:
    if value is None:
        return ""
    return f"{value.astimezone(ZoneInfo(tenant.time_zone)):%a %-d %b, %H:%M} ({tenant.time_zone})"


def _notify(
    *,
    tenant: Tenant,
    escalation: Escalation,
    kind: str,
    recipients: list[Membership],
    at: datetime,
    actor: Membership | None = None,
    **extra: Any,
) -> None:
    ticket = escalation.ticket
    context = _context(tenant, escalation, actor, **extra)
    for people, link in _by_link(recipients, ticket):
        notification_send_template(
            tenant=tenant, recipients=people, kind=kind, context=context, link=link, at=at
        )


def _context(
    tenant: Tenant, escalation: Escalation, actor: Membership | None, **extra: Any
) -> dict[str, Any]:
    ticket = escalation.ticket
    return {
        "reference": ticket.reference,
        "ticket_subject": ticket.subject,
        "customer": ticket.customer.name,
        "source": escalation.get_source_display(),
        "level_number": escalation.level_number,
        "level_name": escalation.level.name if escalation.level else "Managers",
        "reason": escalation.reason,
        "outcome": escalation.outcome,
        "acknowledge_by": _when(tenant, escalation.acknowledge_by),
        "actor": str(actor.user) if actor else "",
        **extra,
    }


def _responsible(*, tenant: Tenant, escalation: Escalation) -> list[Membership]:
    if escalation.owner_id is not None:
        return [escalation.owner]
    return level_people(tenant=tenant, level=escalation.level, ticket=escalation.ticket)


def _enter_level(
    *, tenant: Tenant, escalation: Escalation, level: EscalationLevel | None, at: datetime
) -> None:
    """Point the escalation at `level`: its owner, its acknowledgement clock; a tier level
    moves the ticket to that tier (and so into that tier's queue)."""
    escalation.level = level
    escalation.level_number = level.position if level else 1
    escalation.owner = level_owner(level=level, ticket=escalation.ticket)
    escalation.acknowledge_by = acknowledge_deadline(level=level, start=at)
    if level is not None and level.target_kind == TargetKind.TIER and level.target_tier:
        ticket_services.ticket_set_tier(
            tenant=tenant, ticket=escalation.ticket, tier=level.target_tier, actor=None, at=at
        )


def _ticket_for(tenant: Tenant, ticket_id: int) -> Ticket:
    return (
        Ticket.objects.for_tenant(tenant)
        .select_related("customer__account_manager__user", "priority")
        .get(pk=ticket_id)
    )


def _insert(escalation: Escalation) -> bool:
    """INSERT under a savepoint; False when a unique constraint says it already exists (a
    concurrent insert blocks on the index until the first commits, then fails here)."""
    try:
        with transaction.atomic():
            escalation.save(force_insert=True)
    except IntegrityError:
        return False
    return True


def _open(
    *,
    tenant: Tenant,
    ticket: Ticket,
    source: str,
    reason: str,
    requested_by: Membership | None,
    at: datetime,
    **sla: Any,
) -> Escalation | None:
    ladder = ladder_for(tenant=tenant, source=source, priority_id=ticket.priority_id)
    level = level_at(tenant=tenant, ladder_id=ladder.pk if ladder else None, position=1)
    escalation = Escalation(
        tenant=tenant, ticket=ticket, source=source, ladder=ladder, reason=reason,
        requested_by=requested_by, created_at=at, updated_at=at, **sla,
    )  # fmt: skip
    escalation.level = level
    escalation.level_number = 1
    escalation.owner = level_owner(level=level, ticket=ticket)
    escalation.acknowledge_by = acknowledge_deadline(level=level, start=at)
    if not _insert(escalation):
        return None
    if level is not None and level.target_kind == TargetKind.TIER and level.target_tier:
        ticket_services.ticket_set_tier(
            tenant=tenant, ticket=ticket, tier=level.target_tier, actor=None, at=at
        )
    data = {"escalation": escalation.pk, "source": source, "level": 1, "reason": reason}
    if source == Source.CLIENT_REQUEST:
        # tickets' own service records the client's request in the history.
        ticket_services.ticket_request_escalation(
            tenant=tenant, ticket=ticket, actor=requested_by, reason=reason, at=at
        )
    else:
        history.escalation_event(
            tenant=tenant, ticket=ticket, actor=requested_by, kind=history.ESCALATED,
            at=at, data={**data, **{k: v for k, v in sla.items() if k != "clock_id"}},
            to_value=f"level 1{f': {level.name}' if level else ''}",
        )  # fmt: skip
    _notify(
        tenant=tenant, escalation=escalation, kind="escalation_opened", at=at,
        recipients=_responsible(tenant=tenant, escalation=escalation), actor=requested_by,
    )  # fmt: skip
    return escalation


@transaction.atomic
def escalation_open(
    *,
    tenant: Tenant,
    ticket: Ticket,
    source: str,
    reason: str,
    requested_by: Membership,
    at: datetime | None = None,
) -> Escalation:
    """A client's request or an agent's escalation. One active one per ticket and source:
    a second raises EscalationConflict (the unique index decides under concurrency)."""
    at = _now(at)
    if source not in REQUEST_SOURCES:
        raise ValidationError({"source": "Clients and agents request; SLA events escalate."})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why this ticket needs escalating."})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": f"At most {REASON_MAX} characters."})
    if ticket.status == TicketStatus.CLOSED:
        raise ValidationError({"reason": "This ticket is closed."})
    conflict = EscalationConflict(
        "An escalation of this ticket is already open; it is being handled.", code="conflict"
    )
    active = Escalation.objects.for_tenant(tenant).filter(
        ticket=ticket, source=source, status__in=ACTIVE_STATUSES
    )
    if active.exists():
        raise conflict
    escalation = _open(
        tenant=tenant, ticket=ticket, source=source, reason=reason,
        requested_by=requested_by, at=at,
    )  # fmt: skip
    if escalation is None:
        raise conflict
    return escalation


def _on_sla_event(
    *, tenant: Tenant, ticket_id: int, source: str, at: datetime, reason: str, **sla: Any
) -> Escalation | None:
    ticket = _ticket_for(tenant, ticket_id)
    if ticket.status not in OPEN_STATUSES:
        return None
    if ladder_for(tenant=tenant, source=source, priority_id=ticket.priority_id) is None:
        return None  # the tenant escalates nothing on this source
    return _open(
        tenant=tenant, ticket=ticket, source=source, reason=reason, requested_by=None,
        at=at, **sla,
    )  # fmt: skip


@transaction.atomic
def escalation_on_breach(
    *,
    tenant: Tenant,
    ticket_id: int,
    clock_id: int | None,
    metric: str,
    cycle: int,
    breached_at: datetime,
) -> Escalation | None:
    """The breach scan's hand-off: escalate a breached clock cycle, once.

    Returns the new escalation, or None when there is nothing to do: no ladder for breaches,
    the ticket is no longer open, or this clock cycle already escalated. The unique constraint
    `escalation_sla_once` makes the second call (the same scan twice, two scans at once) a
    no-op rather than a duplicate.
    """
    return _on_sla_event(
        tenant=tenant, ticket_id=ticket_id, source=Source.SLA_BREACH, at=_now(breached_at),
        reason=f"{metric.replace('_', ' ').capitalize()} target missed.",
        clock_id=clock_id, metric=metric, cycle=cycle, threshold=0,
    )  # fmt: skip


@transaction.atomic
def escalation_on_warning(
    *,
    tenant: Tenant,
    ticket_id: int,
    clock_id: int | None,
    metric: str,
    cycle: int,
    percent: int,
    warned_at: datetime,
) -> Escalation | None:
    """The breach scan's hand-off for a warning threshold crossed (e.g. 75 %): escalates only
    where a ladder lists `sla_warning`; once per clock cycle and threshold."""
    return _on_sla_event(
        tenant=tenant, ticket_id=ticket_id, source=Source.SLA_WARNING, at=_now(warned_at),
        reason=f"{percent}% of the {metric.replace('_', ' ')} target used.",
        clock_id=clock_id, metric=metric, cycle=cycle, threshold=percent,
    )  # fmt: skip


def _locked(tenant: Tenant, escalation_id: int) -> Escalation:
    return (
        Escalation.objects.for_tenant(tenant)
        .select_for_update(of=("self",))
        .select_related("ticket__customer__account_manager__user", "ticket__assignee__user",
                        "level__calendar", "owner__user", "requested_by__user")  # fmt: skip
        .get(pk=escalation_id)
    )


def _save(escalation: Escalation, at: datetime, fields: list[str]) -> None:
    escalation.updated_at = at
    Escalation.objects.for_tenant(escalation.tenant).filter(pk=escalation.pk).update(
        updated_at=at, **{name: getattr(escalation, name) for name in fields}
    )


def _interested(escalation: Escalation, actor: Membership) -> list[Membership]:
    """Who hears that an escalation was acknowledged or resolved: whoever asked for it (the
    client or agent) and the ticket's assignee — not the person who just did it."""
    people = [escalation.requested_by, escalation.ticket.assignee]
    return [p for p in people if p is not None and p.pk != actor.pk]


@transaction.atomic
def escalation_acknowledge(
    *, tenant: Tenant, escalation: Escalation, actor: Membership, at: datetime | None = None
) -> Escalation:
    """Someone responsible has seen it: the acknowledgement clock stops (no more climbing)."""
    at = _now(at)
    escalation = _locked(tenant, escalation.pk)
    if escalation.status != Status.OPEN:
        raise ValidationError({"status": f"This escalation is {escalation.status} already."})
    escalation.status = Status.ACKNOWLEDGED
    escalation.acknowledged_by = actor
    escalation.acknowledged_at = at
    late = escalation.acknowledge_by is not None and at > escalation.acknowledge_by
    escalation.acknowledge_by = None
    if escalation.owner_id is None:
        escalation.owner = actor
    _save(escalation, at, ["status", "acknowledged_by", "acknowledged_at", "acknowledge_by",
                           "owner"])  # fmt: skip
    history.escalation_event(
        tenant=tenant, ticket=escalation.ticket, actor=actor,
        kind=history.ESCALATION_ACKNOWLEDGED, at=at,
        data={"escalation": escalation.pk, "level": escalation.level_number, "late": late},
    )  # fmt: skip
    _notify(
        tenant=tenant, escalation=escalation, kind="escalation_acknowledged", at=at,
        recipients=_interested(escalation, actor), actor=actor,
    )  # fmt: skip
    return escalation


@transaction.atomic
def escalation_reassign(
    *,
    tenant: Tenant,
    escalation: Escalation,
    owner: Membership,
    actor: Membership,
    at: datetime | None = None,
) -> Escalation:
    at = _now(at)
    escalation = _locked(tenant, escalation.pk)
    if escalation.status == Status.RESOLVED:
        raise ValidationError({"owner": "This escalation is resolved."})
    if owner.tenant_id != tenant.pk or not owner.is_active or owner.role not in STAFF_ROLES:
        raise ValidationError({"owner": "Choose an active staff member."})
    old = escalation.owner
    escalation.owner = owner
    _save(escalation, at, ["owner"])
    history.escalation_event(
        tenant=tenant, ticket=escalation.ticket, actor=actor,
        kind=history.ESCALATION_REASSIGNED, at=at, data={"escalation": escalation.pk},
        from_value=old.user.email if old else "", to_value=owner.user.email,
    )  # fmt: skip
    _notify(
        tenant=tenant, escalation=escalation, kind="escalation_reassigned", at=at,
        recipients=[owner], actor=actor,
    )  # fmt: skip
    return escalation


@transaction.atomic
def escalation_deescalate(
    *,
    tenant: Tenant,
    escalation: Escalation,
    actor: Membership,
    reason: str = "",
    at: datetime | None = None,
) -> Escalation:
    """Back down one level (open again, with that level's acknowledgement time)."""
    at = _now(at)
    escalation = _locked(tenant, escalation.pk)
    if escalation.status == Status.RESOLVED:
        raise ValidationError({"level": "This escalation is resolved."})
    if escalation.level_number <= 1:
        raise ValidationError({"level": "Already at the first level: resolve it instead."})
    previous = level_at(
        tenant=tenant, ladder_id=escalation.ladder_id, position=escalation.level_number - 1
    )
    if previous is None:
        raise ValidationError({"level": "The ladder has no lower level any more."})
    old_number = escalation.level_number
    _enter_level(tenant=tenant, escalation=escalation, level=previous, at=at)
    escalation.status = Status.OPEN
    escalation.acknowledged_at = None
    escalation.acknowledged_by = None
    _save(escalation, at, ["level", "level_number", "owner", "acknowledge_by", "status",
                           "acknowledged_at", "acknowledged_by"])  # fmt: skip
    history.escalation_event(
        tenant=tenant, ticket=escalation.ticket, actor=actor,
        kind=history.ESCALATION_DEESCALATED, at=at,
        data={"escalation": escalation.pk, "reason": reason.strip()[:REASON_MAX]},
        from_value=f"level {old_number}", to_value=f"level {escalation.level_number}",
    )  # fmt: skip
    _notify(
        tenant=tenant, escalation=escalation, kind="escalation_deescalated", at=at,
        recipients=_responsible(tenant=tenant, escalation=escalation), actor=actor,
    )  # fmt: skip
    return escalation


@transaction.atomic
def escalation_resolve(
    *,
    tenant: Tenant,
    escalation: Escalation,
    actor: Membership,
    outcome: str,
    at: datetime | None = None,
) -> Escalation:
    at = _now(at)
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationError({"outcome": "Say how the escalation was resolved."})
    if len(outcome) > REASON_MAX:
        raise ValidationError({"outcome": f"At most {REASON_MAX} characters."})
    escalation = _locked(tenant, escalation.pk)
    if escalation.status == Status.RESOLVED:
        raise ValidationError({"status": "This escalation is resolved already."})
    escalation.status = Status.RESOLVED
    escalation.outcome = outcome
    escalation.resolved_at = at
    escalation.resolved_by = actor
    escalation.acknowledge_by = None
    _save(escalation, at, ["status", "outcome", "resolved_at", "resolved_by", "acknowledge_by"])
    history.escalation_event(
        tenant=tenant, ticket=escalation.ticket, actor=actor, kind=history.ESCALATION_RESOLVED,
        at=at, data={"escalation": escalation.pk, "outcome": outcome},
    )  # fmt: skip
    _notify(
        tenant=tenant, escalation=escalation, kind="escalation_resolved", at=at,
        recipients=_interested(escalation, actor), actor=actor,
    )  # fmt: skip
    return escalation


def _memo(lookups: dict[object, Any] | None, key: object, load: Any) -> Any:
    if lookups is None:
        return load()
    if key not in lookups:
        lookups[key] = load()
    return lookups[key]


def escalation_climb_locked(
    *,
    tenant: Tenant,
    escalation: Escalation,
    at: datetime,
    lookups: dict[object, Any] | None = None,
) -> str:
    """Climb an escalation whose row the caller holds locked and whose acknowledgement is
    overdue: to the next level, or, at the top, stay and remind its owner again. Returns
    "climbed", "reminded" or "stopped" (the ticket is no longer open: the clock stops).
    `lookups` lets a scan share level rows and a level's people across one batch."""
    if escalation.ticket.status not in OPEN_STATUSES:
        escalation.acknowledge_by = None
        _save(escalation, at, ["acknowledge_by"])
        return "stopped"
    old_number = escalation.level_number
    following = _memo(
        lookups, ("level", escalation.ladder_id, old_number + 1),
        lambda: level_at(tenant=tenant, ladder_id=escalation.ladder_id, position=old_number + 1),
    )  # fmt: skip
    if following is None:
        escalation.acknowledge_by = acknowledge_deadline(level=escalation.level, start=at)
        _save(escalation, at, ["acknowledge_by"])
        kind, event, outcome = "escalation_reminder", history.ESCALATION_REMINDED, "reminded"
    else:
        _enter_level(tenant=tenant, escalation=escalation, level=following, at=at)
        _save(escalation, at, ["level", "level_number", "owner", "acknowledge_by"])
        kind, event, outcome = "escalation_climbed", history.ESCALATION_CLIMBED, "climbed"
    history.escalation_event(
        tenant=tenant, ticket=escalation.ticket, actor=None, kind=event, at=at,
        data={"escalation": escalation.pk, "level": escalation.level_number},
        from_value=f"level {old_number}", to_value=f"level {escalation.level_number}",
    )  # fmt: skip
    # A role's or tier's people do not depend on the ticket: one query per level and batch.
    shared = escalation.owner_id is None and escalation.level is not None and (
        escalation.level.target_kind in (TargetKind.ROLE, TargetKind.TIER)
    )
    recipients = _memo(
        lookups if shared else None, ("people", escalation.level_id),
        lambda: _responsible(tenant=tenant, escalation=escalation),
    )  # fmt: skip
    _notify(tenant=tenant, escalation=escalation, kind=kind, at=at, recipients=recipients)
    return outcome


_CLIMB_COLUMNS = (
    ("id", "int8"), ("level_id", "int8"), ("level_number", "int2"), ("owner_id", "int8"),
    ("acknowledge_by", "timestamptz"),
)  # fmt: skip


def escalations_climb_many_locked(
    *, escalations: Sequence[Escalation], at: datetime, lookups: dict[object, Any]
) -> dict[str, int] | None:
    """`escalation_climb_locked` for a batch the caller holds locked, in a handful of
    statements: one UPDATE of the rows (joined to their new levels, COPYed), one COPY of the
    history, the notifications rendered once per shape and COPYed. Returns the outcomes
    counted, or None when a row needs the one-by-one path (its ticket closed, or its next
    level names a tier and so moves the ticket): the caller climbs those one by one."""
    planned = []
    for escalation in escalations:
        if escalation.ticket.status not in OPEN_STATUSES:
            return None
        number = escalation.level_number
        following = _memo(
            lookups, ("level", escalation.ladder_id, number + 1),
            lambda e=escalation, n=number: level_at(tenant=e.tenant, ladder_id=e.ladder_id,
                                                    position=n + 1),
        )  # fmt: skip
        if following is not None and following.target_kind == TargetKind.TIER:
            return None
        planned.append((escalation, number, following))
    rows, events, by_kind = [], [], {"escalation_climbed": [], "escalation_reminder": []}
    for escalation, number, following in planned:
        if following is None:  # the top: stay, remind the owner again
            escalation.acknowledge_by = acknowledge_deadline(level=escalation.level, start=at)
            kind, event = "escalation_reminder", history.ESCALATION_REMINDED
        else:
            escalation.level = following
            escalation.level_number = following.position
            escalation.owner = level_owner(level=following, ticket=escalation.ticket)
            escalation.acknowledge_by = acknowledge_deadline(level=following, start=at)
            kind, event = "escalation_climbed", history.ESCALATION_CLIMBED
        escalation.updated_at = at
        rows.append((escalation.pk, escalation.level_id, escalation.level_number,
                     escalation.owner_id, escalation.acknowledge_by))  # fmt: skip
        events.append(NewEvent(
            escalation.tenant_id, escalation.ticket_id, event, "escalation",
            f"level {escalation.level_number}",
            {"escalation": escalation.pk, "level": escalation.level_number}, at,
            from_value=f"level {number}",
        ))  # fmt: skip
        by_kind[kind].append(escalation)
    values = temp_rows(prefix="climb", columns=_CLIMB_COLUMNS, rows=rows)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Escalation._meta.db_table} AS e SET level_id = v.level_id, "  # noqa: S608
            "level_number = v.level_number, owner_id = v.owner_id, "
            f"acknowledge_by = v.acknowledge_by, updated_at = %s FROM {values} AS v "
            "WHERE e.id = v.id",
            [at],
        )
    ticket_events_record_many(events=events)
    messages = []
    for kind, climbed in by_kind.items():
        if not climbed:
            continue
        contexts = [_context(e.tenant, e, None) for e in climbed]
        for escalation, text in zip(
            climbed, notification_render_many(kind=kind, contexts=contexts), strict=True
        ):
            shared = escalation.owner_id is None and escalation.level is not None and (
                escalation.level.target_kind in (TargetKind.ROLE, TargetKind.TIER)
            )
            recipients = _memo(
                lookups if shared else None, ("people", escalation.level_id),
                lambda e=escalation: _responsible(tenant=e.tenant, escalation=e),
            )  # fmt: skip
            messages += [Outgoing(escalation.tenant, tuple(group), kind, text, link)
                         for group, link in _by_link(recipients, escalation.ticket)]  # fmt: skip
    notification_send_many(messages=messages, at=at)
    return {"climbed": len(by_kind["escalation_climbed"]),
            "reminded": len(by_kind["escalation_reminder"])}  # fmt: skip


@transaction.atomic
def escalation_climb(
    *, tenant: Tenant, escalation: Escalation, at: datetime | None = None
) -> str:
    """Climb one escalation if (and only if) its acknowledgement is overdue; "skipped" when
    it is not (already acknowledged, resolved, or climbed by someone else meanwhile)."""
    at = _now(at)
    escalation = _locked(tenant, escalation.pk)
    due = escalation.acknowledge_by is not None and escalation.acknowledge_by <= at
    if escalation.status != Status.OPEN or not due:
        return "skipped"
    return escalation_climb_locked(tenant=tenant, escalation=escalation, at=at)


# --------------------------------------------------------------------------- the breach scan


@dataclass(frozen=True)
class SlaEvent:
    """A breach or a warning threshold the breach scan recorded on a clock (once: the scan's
    conditional clock UPDATE decided it), to escalate where a ladder lists its source."""

    tenant_id: int
    ticket_id: int
    clock_id: int
    metric: str
    cycle: int
    source: str  # Source.SLA_BREACH or Source.SLA_WARNING
    threshold: int  # the warning percent; 0 for a breach
    at: datetime


def _sla_reason(event: SlaEvent) -> str:
    metric = event.metric.replace("_", " ")
    if event.source == Source.SLA_BREACH:
        return f"{metric.capitalize()} target missed."
    return f"{event.threshold}% of the {metric} target used."


def _ladders_cross_tenant(events: Sequence[SlaEvent]) -> dict[tuple[int, str, int | None], Any]:
    """`ladder_for` for every (tenant, source, priority) of the batch, in one query: a ladder
    limited to the priority wins over one for every priority; among equals the oldest."""
    ladders = list(
        EscalationLadder.objects.cross_tenant()
        .filter(tenant_id__in={e.tenant_id for e in events}, is_active=True,
                sources__overlap=sorted({e.source for e in events}))  # fmt: skip
        .order_by("priority_id", "id")
    )
    chosen: dict[tuple[int, str, int | None], Any] = {}
    for ladder in ladders:  # priority-specific ones first (NULLS LAST), then oldest first
        for source in ladder.sources:
            key = (ladder.tenant_id, source, ladder.priority_id)
            chosen.setdefault(key, ladder)
    return chosen


def _pick(ladders: dict, tenant_id: int, source: str, priority_id: int) -> Any:
    return ladders.get((tenant_id, source, priority_id)) or ladders.get((tenant_id, source, None))


_INSERT_COLUMNS = (
    "tenant_id", "ticket_id", "source", "ladder_id", "level_id", "level_number", "reason",
    "owner_id", "clock_id", "metric", "cycle", "threshold", "acknowledge_by", "status",
    "outcome", "created_at", "updated_at",
)  # fmt: skip
_INSERT_TYPES = (
    "int8", "int8", "varchar", "int8", "int8", "int2", "text", "int8", "int8",
    "varchar", "int4", "int2", "timestamptz", "varchar", "text", "timestamptz",
    "timestamptz",
)  # fmt: skip


def _insert_ignoring_duplicates(rows: list[tuple]) -> dict[tuple[int, str, str, int, int], int]:
    """One INSERT … ON CONFLICT DO NOTHING: `escalation_sla_once` turns a second escalation
    of the same clock cycle and threshold into no row (not an error). Returns the new ids by
    (ticket, source, metric, cycle, threshold)."""
    if not rows:
        return {}
    columns = ", ".join(_INSERT_COLUMNS)
    values = temp_rows(prefix="scan_escalation",
                       columns=list(zip(_INSERT_COLUMNS, _INSERT_TYPES, strict=True)), rows=rows)
    sql = (
        f"INSERT INTO {Escalation._meta.db_table} ({columns}) "  # noqa: S608 - our own tables
        f"SELECT {columns} FROM {values} ON CONFLICT DO NOTHING "
        "RETURNING id, ticket_id, source, metric, cycle, threshold"
    )
    return {tuple(row[1:]): row[0] for row in fetch_binary(sql, [])}


_TICKETS_SQL = f"""
    SELECT t.id, t.tenant_id, t.priority_id, t.reference, t.subject, c.name,
           c.account_manager_id
      FROM {Ticket._meta.db_table} AS t
      JOIN {Customer._meta.db_table} AS c ON c.id = t.customer_id
     WHERE t.id = ANY(%s) AND t.status = ANY(%s)
"""  # noqa: S608 - our own tables; every value is a parameter


@dataclass(frozen=True)
class _TicketRow:
    pk: int
    tenant_id: int
    priority_id: int
    reference: str
    subject: str
    customer: str
    account_manager_id: int | None


@dataclass(frozen=True)
class _Opened:
    pk: int
    event: SlaEvent
    ticket: _TicketRow
    level: EscalationLevel | None
    owner_id: int | None
    acknowledge_by: datetime | None
    reason: str


_SOURCE_LABELS = dict(Source.choices)


def _owner_id(level: EscalationLevel | None, ticket: _TicketRow) -> int | None:
    """`ladders.level_owner` on a ticket's values."""
    if level is None:
        return None
    if level.target_kind == TargetKind.MEMBER:
        return level.target_member_id
    if level.target_kind == TargetKind.ACCOUNT_MANAGER:
        return ticket.account_manager_id
    return None


def escalations_on_sla_events(*, events: Sequence[SlaEvent], at: datetime) -> list[int]:
    """The breach scan's bulk hand-off (`escalation_on_breach`/`_on_warning` for many clocks,
    of any tenants, in a few statements and no model instance per row): one escalation per
    event whose ticket is open and whose tenant has a ladder for the source; a TicketEvent and
    notifications for each. Returns the new escalations' ids.

    Call it in the scan's transaction with the tickets' rows locked (a tier level moves its
    ticket). Duplicates cannot happen: the scan hands each event over once, and the unique
    constraint `escalation_sla_once` drops any second one (ON CONFLICT DO NOTHING).
    """
    if not events:
        return []
    ladders = _ladders_cross_tenant(events)
    # Only events some ladder of their tenant lists (a tenant that escalates breaches alone
    # has its warnings recorded, not escalated): their tickets are read, the rest skipped.
    listed = {(tenant_id, source) for tenant_id, source, _priority in ladders}
    events = [e for e in events if (e.tenant_id, e.source) in listed]
    if not events:
        return []
    tickets = {
        row[0]: _TicketRow(*row)
        for row in fetch_binary(_TICKETS_SQL, [sorted({e.ticket_id for e in events}),
                                               sorted(OPEN_STATUSES)])  # fmt: skip
    }
    firsts = {
        level.ladder_id: level
        for level in EscalationLevel.objects.cross_tenant()
        .filter(ladder_id__in={ladder.pk for ladder in ladders.values()}, position=1)
        .select_related("calendar", "target_member__user")
    }
    rows, planned = [], []
    for event in events:
        ticket = tickets.get(event.ticket_id)
        ladder = ticket and _pick(ladders, event.tenant_id, event.source, ticket.priority_id)
        if ladder is None:
            continue  # closed meanwhile, or the tenant escalates nothing on this source
        level = firsts.get(ladder.pk)
        owner_id = _owner_id(level, ticket)
        acknowledge_by = acknowledge_deadline(level=level, start=event.at)
        reason = _sla_reason(event)
        rows.append((
            event.tenant_id, ticket.pk, event.source, ladder.pk, level.pk if level else None, 1,
            reason, owner_id, event.clock_id, event.metric, event.cycle, event.threshold,
            acknowledge_by, Status.OPEN, "", event.at, event.at,
        ))  # fmt: skip
        planned.append((event, ticket, level, owner_id, acknowledge_by, reason))
    new_ids = _insert_ignoring_duplicates(rows)
    opened = []
    for event, ticket, level, owner_id, acknowledge_by, reason in planned:
        pk = new_ids.get((ticket.pk, event.source, event.metric, event.cycle, event.threshold))
        if pk is not None:
            opened.append(_Opened(pk, event, ticket, level, owner_id, acknowledge_by, reason))
    if opened:
        _opened_steps(opened, at)
    return [o.pk for o in opened]


def _opened_steps(opened: list[_Opened], at: datetime) -> None:
    """The new escalations' tier moves (rare: per row), history rows (one COPY) and
    notifications (rendered once per shape, two COPYs; a role's, tier's or tenant's managers
    read once per level)."""
    tenants = Tenant.objects.in_bulk({o.event.tenant_id for o in opened})
    _tier_moves(opened, tenants, at)
    owners = Membership.objects.cross_tenant().select_related("user").in_bulk(
        {o.owner_id for o in opened if o.owner_id is not None}
    )
    shared = {
        (o.event.tenant_id, _shared_level(o.level))
        for o in opened
        if o.owner_id is None or o.owner_id not in owners
    }
    people = levels_people_cross_tenant(wanted=shared)
    events, contexts, recipients = [], [], []
    for item in opened:
        tenant, ticket, level = tenants[item.event.tenant_id], item.ticket, item.level
        data = {
            "escalation": item.pk, "source": item.event.source, "level": 1,
            "reason": item.reason, "metric": item.event.metric, "cycle": item.event.cycle,
            "threshold": item.event.threshold,
        }  # fmt: skip
        events.append(NewEvent(
            tenant.pk, ticket.pk, history.ESCALATED, "escalation",
            f"level 1{f': {level.name}' if level else ''}"[:250], data, item.event.at,
        ))  # fmt: skip
        owner = owners.get(item.owner_id) if item.owner_id is not None else None
        if owner is not None:
            found = [owner]
        else:
            # The level names no one person (a role, a tier) or its person is missing: the
            # people `level_people` gives (managers when nobody else).
            shared_level = _shared_level(level)
            found = people[(tenant.pk, shared_level.pk if shared_level else None)]
        recipients.append(found)
        contexts.append({
            "reference": ticket.reference, "ticket_subject": ticket.subject,
            "customer": ticket.customer, "source": _SOURCE_LABELS[item.event.source],
            "level_number": 1, "level_name": level.name if level else "Managers",
            "reason": item.reason, "outcome": "",
            "acknowledge_by": _when(tenant, item.acknowledge_by), "actor": "",
        })  # fmt: skip
    rendered = notification_render_many(kind="escalation_opened", contexts=contexts)
    messages = [
        Outgoing(tenants[item.event.tenant_id], tuple(group), "escalation_opened", text, link)
        for item, found, text in zip(opened, recipients, rendered, strict=True)
        for group, link in _links(found, item.ticket.reference)
    ]
    ticket_events_record_many(events=events)
    notification_send_many(messages=messages, at=at)


def _shared_level(level: EscalationLevel | None) -> EscalationLevel | None:
    """The level whose people are notified when no one person is: a role's or a tier's; any
    other (or none) falls back to the managers."""
    if level is not None and level.target_kind in (TargetKind.ROLE, TargetKind.TIER):
        return level
    return None


def _tier_moves(opened: list[_Opened], tenants: dict[int, Tenant], at: datetime) -> None:
    """A first level naming a tier moves the ticket to it (and so into that tier's queue)."""
    moves = [o for o in opened if o.level is not None
             and o.level.target_kind == TargetKind.TIER and o.level.target_tier]  # fmt: skip
    if not moves:
        return
    loaded = Ticket.objects.cross_tenant().in_bulk({o.ticket.pk for o in moves})
    for item in moves:
        ticket_services.ticket_set_tier(
            tenant=tenants[item.event.tenant_id], ticket=loaded[item.ticket.pk],
            tier=item.level.target_tier, actor=None, at=at,
        )  # fmt: skip


def _links(recipients: list[Membership], reference: str) -> list[tuple[list[Membership], str]]:
    """Staff open the work page; a client (the requester) their portal ticket page."""
    staff = [m for m in recipients if m.role in STAFF_ROLES]
    clients = [m for m in recipients if m.role not in STAFF_ROLES]
    return [(group, link) for group, link in (
        (staff, f"/work/{reference}/"), (clients, f"/tickets/{reference}/"),
    ) if group]  # fmt: skip


def _by_link(recipients: list[Membership], ticket: Ticket) -> list[tuple[list[Membership], str]]:
    return _links(recipients, ticket.reference)