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
    kind = level.target_kind
    if kind != TargetKind.ROLE:
        level.target_role = ""
    if kind != TargetKind.TIER:
        level.target_tier = None
    if kind != TargetKind.MEMBER:
        level.target_member = None
    level.save()
    return level


@transaction.atomic
def level_delete(*, tenant: Tenant, level: EscalationLevel) -> None:
    """Refused while an active escalation sits on the level (it would lose its owner)."""
    if Escalation.objects.for_tenant(tenant).filter(
        level=level, status__in=ACTIVE_STATUSES
    ).exists():
        raise ValidationError("An open escalation is at this level: resolve it first.")
    level.delete()
