"""Reading ladders: which ladder applies, who a level names, when its acknowledgement is due."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q

from tenants.models import Membership, Tenant
from tenants.roles import STAFF_ROLES, Role
from tickets.models import Ticket

from .models import EscalationLadder, EscalationLevel, TargetKind


def ladder_for(*, tenant: Tenant, source: str, priority_id: int | None) -> EscalationLadder | None:
    """The active ladder for `source`: one limited to the ticket's priority wins over one for
    every priority; among equals the oldest (lowest id) wins, so the choice is stable."""
    candidates = (
        EscalationLadder.objects.for_tenant(tenant)
        .filter(is_active=True, sources__contains=[source])
        .filter(Q(priority_id=priority_id) | Q(priority__isnull=True))
        .order_by("priority_id", "id")  # NULLS LAST in PostgreSQL's ascending order
    )
    return candidates.first()


def level_at(*, tenant: Tenant, ladder_id: int | None, position: int) -> EscalationLevel | None:
    if ladder_id is None:
        return None
    return (
        EscalationLevel.objects.for_tenant(tenant)
        .select_related("calendar", "target_member__user")
        .filter(ladder_id=ladder_id, position=position)
        .first()
    )


def acknowledge_deadline(*, level: EscalationLevel | None, start: datetime) -> datetime | None:
    """Business time on the level's calendar (DST and holidays included), or 24/7 without one."""
    if level is None:
        return None
    if level.calendar_id is None:  # the id: no related-object lookup (the scan calls this a lot)
        return start + level.acknowledge_within
    return level.calendar.as_business_calendar().add_business_time(
        start, level.acknowledge_within
    )


def level_owner(*, level: EscalationLevel | None, ticket: Ticket) -> Membership | None:
    """The one person a level names, if it names one (a member, the account manager)."""
    if level is None:
        return None
    if level.target_kind == TargetKind.MEMBER:
        return level.target_member
    if level.target_kind == TargetKind.ACCOUNT_MANAGER:
        return ticket.customer.account_manager
    return None


def _managers(tenant: Tenant) -> list[Membership]:
    return list(
        Membership.objects.for_tenant(tenant)
        .filter(role=Role.MANAGER, is_active=True)
        .select_related("user")
    )


def level_people(
    *, tenant: Tenant, level: EscalationLevel | None, ticket: Ticket
) -> list[Membership]:
    """Everyone a level makes responsible (and notifies). Without a ladder, or when a customer
    has no account manager, the tenant's managers: an escalation never goes to nobody."""
    owner = level_owner(level=level, ticket=ticket)
    if owner is not None:
        return [owner]
    if level is None or level.target_kind in (TargetKind.MEMBER, TargetKind.ACCOUNT_MANAGER):
        return _managers(tenant)
    members = Membership.objects.for_tenant(tenant).filter(is_active=True).select_related("user")
    if level.target_kind == TargetKind.ROLE:
        found = list(members.filter(role=level.target_role))
    else:
        found = list(members.filter(tier=level.target_tier, role__in=sorted(STAFF_ROLES)))
    return found or _managers(tenant)


def levels_people_cross_tenant(
    *, wanted: set[tuple[int, EscalationLevel | None]]
) -> dict[tuple[int, int | None], list[Membership]]:
    """`level_people` for many (tenant id, level) pairs whose level names no one person (a
    role, a tier, or no level: the managers), in one query: for the breach scan.
    Keyed by (tenant id, level id or None)."""
    if not wanted:
        return {}
    tenant_ids = {tenant_id for tenant_id, _level in wanted}
    roles = {level.target_role for _t, level in wanted
             if level is not None and level.target_kind == TargetKind.ROLE}  # fmt: skip
    tiers = {level.target_tier for _t, level in wanted
             if level is not None and level.target_kind == TargetKind.TIER}  # fmt: skip
    condition = Q(role=Role.MANAGER) | Q(role__in=roles)
    if tiers:
        condition |= Q(tier__in=tiers, role__in=sorted(STAFF_ROLES))
    members = list(
        Membership.objects.cross_tenant()
        .filter(condition, tenant_id__in=tenant_ids, is_active=True)
        .select_related("user")
        .order_by("pk")
    )
    by_tenant: dict[int, list[Membership]] = {}
    for member in members:
        by_tenant.setdefault(member.tenant_id, []).append(member)
    found: dict[tuple[int, int | None], list[Membership]] = {}
    for tenant_id, level in wanted:
        mine = by_tenant.get(tenant_id, [])
        managers = [m for m in mine if m.role == Role.MANAGER]
        if level is None or level.target_kind not in (TargetKind.ROLE, TargetKind.TIER):
            people = managers
        elif level.target_kind == TargetKind.ROLE:
            people = [m for m in mine if m.role == level.target_role] or managers
        else:
            people = [m for m in mine if m.tier == level.target_tier
                      and m.role in STAFF_ROLES] or managers  # fmt: skip
        found[(tenant_id, level.pk if level else None)] = people
    return found


def names_member_q(membership: Membership) -> Q:
    """Escalations whose current level (or explicit owner) names `membership`."""
    query = (
        Q(owner=membership)
        | Q(level__target_kind=TargetKind.MEMBER, level__target_member=membership)
        | Q(level__target_kind=TargetKind.ROLE, level__target_role=membership.role)
        | Q(
            level__target_kind=TargetKind.ACCOUNT_MANAGER,
            owner__isnull=True,
            ticket__customer__account_manager=membership,
        )
    )
    if membership.tier:
        query |= Q(level__target_kind=TargetKind.TIER, level__target_tier=membership.tier)
    return query
