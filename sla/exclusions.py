"""The policy's exclusions (what support does not cover): the selector the policy page and the
agents' close-as-out-of-scope choice read, and the services tenant admins write through."""

from __future__ import annotations

from django.db import transaction
from django.db.models import ProtectedError, QuerySet

from tenants.models import Tenant

from .configuration import ConfigConflict, _save
from .models import Exclusion


def exclusions(*, tenant: Tenant, include_retired: bool = False) -> QuerySet[Exclusion]:
    """The tenant's exclusions in policy order; retired ones only when asked (settings)."""
    rows = Exclusion.objects.for_tenant(tenant).order_by("order", "title")
    return rows if include_retired else rows.filter(is_active=True)


def exclusion_get(*, tenant: Tenant, exclusion_id: int, active: bool = True) -> Exclusion | None:
    """One of the tenant's exclusions (None for a missing one or another tenant's)."""
    return exclusions(tenant=tenant, include_retired=not active).filter(pk=exclusion_id).first()


def exclusion_save(*, tenant: Tenant, exclusion: Exclusion) -> Exclusion:
    """Create or edit; a title another exclusion of the tenant has is a `ConfigConflict`."""
    exclusion.tenant = tenant
    exclusion.title = exclusion.title.strip()
    exclusion.text = exclusion.text.strip()
    try:
        _save(exclusion)
    except ConfigConflict as exc:
        raise ConfigConflict("title", "Another exclusion has this title.") from exc
    return exclusion


class ExclusionCited(Exception):
    """Tickets were closed citing it: it is retired (unticked), not deleted."""


@transaction.atomic
def exclusion_delete(*, tenant: Tenant, exclusion: Exclusion) -> None:
    try:
        with transaction.atomic():
            Exclusion.objects.for_tenant(tenant).filter(pk=exclusion.pk).delete()
    except ProtectedError as exc:
        cited = len(exc.protected_objects)
        raise ExclusionCited(
            f"'{exclusion.title}' cannot be deleted: {cited} ticket"
            f"{'' if cited == 1 else 's'} cite it. Untick 'Is active' to retire it instead "
            "(it leaves the policy page and the agents' choices; those tickets keep its text)."
        ) from None
