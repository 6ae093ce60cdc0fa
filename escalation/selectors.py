"""Reading escalations, as the member asking may see them."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from tenants.models import Membership, Tenant
from tenants.roles import Perm

from .ladders import names_member_q
from .models import ACTIVE_STATUSES, Escalation, EscalationLadder, EscalationLevel, Source, Status

RELATIONS = (
    "ticket__customer__plan", "ticket__priority", "level", "owner__user", "requested_by__user",
    "acknowledged_by__user", "clock",
)  # fmt: skip


def escalations_visible(*, tenant: Tenant, membership: Membership) -> QuerySet[Escalation]:
    """Managers, executives and tenant admins: all of the tenant's. Team leads and agents:
    those whose level (or owner) names them. Anyone else (clients): none."""
    rows = Escalation.objects.for_tenant(tenant)
    if membership.can(Perm.ESCALATION_VIEW_ALL):
        return rows
    if membership.can(Perm.ESCALATION_HANDLE):
        return rows.filter(names_member_q(membership))
    return rows.none()


def escalation_for_member_or_404(
    *, tenant: Tenant, membership: Membership, escalation_id: int
) -> Escalation:
    rows = escalations_visible(tenant=tenant, membership=membership).select_related(*RELATIONS)
    return get_object_or_404(rows, pk=escalation_id)


@dataclass(frozen=True)
class EscalationFilters:
    status: tuple[str, ...] = ACTIVE_STATUSES
    level: int | None = None
    source: str = ""
    customer: int | None = None
    priority: str = ""
    owner: int | None = None
    ticket: str = ""


def filters_from_params(params, *, me: Membership) -> tuple[EscalationFilters, dict[str, str]]:
    """Query-string filters; a bad value is an error message by name, never a 500."""
    errors: dict[str, str] = {}
    values: dict[str, object] = {}
    status = params.get("status", "")
    if status:
        wanted = tuple(s for s in status.split(",") if s)
        if status == "all":
            values["status"] = tuple(Status.values)
        elif not wanted or not set(wanted) <= set(Status.values):
            errors["status"] = f"One or more of {', '.join(Status.values)} (comma-separated)."
        else:
            values["status"] = wanted
    for name in ("level", "customer"):
        raw = params.get(name, "")
        if raw:
            if raw.isdecimal() and len(raw) < 10:
                values[name] = int(raw)
            else:
                errors[name] = "A number."
    owner = params.get("owner", "")
    if owner == "me":
        values["owner"] = me.pk
    elif owner:
        if owner.isdecimal() and len(owner) < 19:
            values["owner"] = int(owner)
        else:
            errors["owner"] = "A member id or `me`."
    source = params.get("source", "")
    if source and source not in Source.values:
        errors["source"] = f"One of {', '.join(Source.values)}."
    elif source:
        values["source"] = source
    for name in ("priority", "ticket"):
        raw = params.get(name, "")
        if "\x00" in raw or len(raw) > 40:
            errors[name] = "A key or reference (at most 40 characters)."
        elif raw:
            values[name] = raw
    return EscalationFilters(**values), errors


def escalation_list(
    *, tenant: Tenant, membership: Membership, filters: EscalationFilters
) -> QuerySet[Escalation]:
    rows = escalations_visible(tenant=tenant, membership=membership).filter(
        status__in=filters.status
    )
    if filters.level is not None:
        rows = rows.filter(level_number=filters.level)
    if filters.source:
        rows = rows.filter(source=filters.source)
    if filters.customer is not None:
        rows = rows.filter(ticket__customer_id=filters.customer)
    if filters.priority:
        rows = rows.filter(ticket__priority__key=filters.priority)
    if filters.owner is not None:
        rows = rows.filter(owner_id=filters.owner)
    if filters.ticket:
        rows = rows.filter(ticket__reference=filters.ticket)
    return rows.select_related(*RELATIONS)


def escalation_counts(*, tenant: Tenant, membership: Membership) -> dict[str, object]:
    """Active escalations by level and status, for the dashboard's live counters (one query)."""
    rows = (
        escalations_visible(tenant=tenant, membership=membership)
        .filter(status__in=ACTIVE_STATUSES)
        .values("level_number", "status")
        .annotate(n=Count("id"))
        .order_by("level_number")
    )
    by_level: dict[int, dict[str, int]] = {}
    for row in rows:
        counts = by_level.setdefault(row["level_number"], {"open": 0, "acknowledged": 0})
        counts[row["status"]] = row["n"]
    total_open = sum(c["open"] for c in by_level.values())
    return {"by_level": sorted(by_level.items()), "open": total_open,
            "acknowledged": sum(c["acknowledged"] for c in by_level.values())}  # fmt: skip


def active_for_ticket(*, tenant: Tenant, ticket_id: int) -> list[Escalation]:
    """A ticket's active escalations (for its portal and work pages)."""
    return list(
        Escalation.objects.for_tenant(tenant)
        .filter(ticket_id=ticket_id, status__in=ACTIVE_STATUSES)
        .select_related("level", "owner__user")
        .order_by("created_at")
    )


def latest_request(*, tenant: Tenant, ticket_id: int, source: str) -> Escalation | None:
    return (
        Escalation.objects.for_tenant(tenant)
        .filter(ticket_id=ticket_id, source=source)
        .order_by("-created_at", "-id")
        .first()
    )


def ladders(*, tenant: Tenant) -> list[EscalationLadder]:
    return list(
        EscalationLadder.objects.for_tenant(tenant)
        .select_related("priority")
        .prefetch_related("levels__calendar", "levels__target_member__user")
    )


def ladder_get_or_404(*, tenant: Tenant, ladder_id: int) -> EscalationLadder:
    return get_object_or_404(EscalationLadder.objects.for_tenant(tenant), pk=ladder_id)


def level_get_or_404(*, tenant: Tenant, level_id: int) -> EscalationLevel:
    return get_object_or_404(
        EscalationLevel.objects.for_tenant(tenant).select_related("ladder"), pk=level_id
    )
