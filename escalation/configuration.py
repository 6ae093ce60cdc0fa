"""Ladder configuration services (settings pages and the admin go through these)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from tenants.models import Tenant

from .models import ACTIVE_STATUSES, Escalation, EscalationLadder, EscalationLevel, TargetKind

LADDER_FIELDS = ("name", "sources", "priority", "is_active")
LEVEL_FIELDS = ("position", "name", "target_kind", "target_role", "target_tier",
                "target_member", "acknowledge_within", "calendar")  # fmt: skip


@transaction.atomic
def ladder_save(
    *, tenant: Tenant, data: dict[str, Any], ladder: EscalationLadder | None = None
) -> EscalationLadder:
    ladder = ladder or EscalationLadder(tenant=tenant)
    if ladder.tenant_id != tenant.pk:
        raise ValidationError("Not this tenant's ladder.")
    for name in LADDER_FIELDS:
        if name in data:
            setattr(ladder, name, data[name])
    ladder.sources = sorted(set(ladder.sources))
    ladder.save()
    return ladder


@transaction.atomic
def level_save(
    *,
    tenant: Tenant,
    ladder: EscalationLadder,
    data: dict[str, Any],
    level: EscalationLevel | None = None,
) -> EscalationLevel:
    """Save a level; the target fields that do not belong to its kind are cleared, so a row
    always names exactly one kind of target."""
    level = level or EscalationLevel(tenant=tenant, ladder=ladder)
    if level.tenant_id != tenant.pk or ladder.tenant_id != tenant.pk:
        raise ValidationError("Not this tenant's ladder.")
    for name in LEVEL_FIELDS:
        if name in data:
            setattr(level, name, data[name])
    if level.acknowledge_within <= timedelta(0):
        raise ValidationError({"acknowledge_within": "A positive duration."})
    _check_no_gap(tenant=tenant, ladder=ladder, level=level)
    kind = level.target_kind
    if kind != TargetKind.ROLE:
        level.target_role = ""
    if kind != TargetKind.TIER:
        level.target_tier = None
    if kind != TargetKind.MEMBER:
        level.target_member = None
    level.save()
    return level


def _lock_ladder(tenant: Tenant, ladder_id: int) -> None:
    """Serialise changes to one ladder's levels (two admins renumbering at once)."""
    EscalationLadder.objects.for_tenant(tenant).select_for_update().filter(pk=ladder_id).first()


def _check_no_gap(*, tenant: Tenant, ladder: EscalationLadder, level: EscalationLevel) -> None:
    """Levels are numbered 1..n without a gap: an escalation climbs from n to n + 1 and starts
    at 1, so a gap would stop every escalation below it and a ladder without a level 1 would
    name nobody. The one free position is offered."""
    _lock_ladder(tenant, ladder.pk)
    others = set(
        EscalationLevel.objects.for_tenant(tenant)
        .filter(ladder=ladder)
        .exclude(pk=level.pk)
        .values_list("position", flat=True)
    )
    if level.position in others:
        raise ValidationError({"position": "This ladder already has a level at this position."})
    if others | {level.position} != set(range(1, len(others) + 2)):
        free = min(set(range(1, len(others) + 2)) - others)
        raise ValidationError(
            {"position": f"Levels are numbered from 1 without gaps: use position {free}."}
        )


@transaction.atomic
def level_delete(*, tenant: Tenant, level: EscalationLevel) -> None:
    """Refused while an active escalation sits on the level (it would lose its owner). The
    levels above move down one position, and so do the active escalations on them, so the
    ladder stays numbered 1..n and the climb still reaches its top."""
    _lock_ladder(tenant, level.ladder_id)
    if (
        Escalation.objects.for_tenant(tenant)
        .filter(level=level, status__in=ACTIVE_STATUSES)
        .exists()
    ):
        raise ValidationError("An open escalation is at this level: resolve it first.")
    above = list(
        EscalationLevel.objects.for_tenant(tenant)
        .filter(ladder_id=level.ladder_id, position__gt=level.position)
        .order_by("position")
    )
    level.delete()
    for row in above:  # lowest first: each takes the position just freed below it
        EscalationLevel.objects.for_tenant(tenant).filter(pk=row.pk).update(
            position=row.position - 1
        )
        Escalation.objects.for_tenant(tenant).filter(
            level_id=row.pk, status__in=ACTIVE_STATUSES
        ).update(level_number=row.position - 1)
