"""Canned responses: the tenant's reply templates (settings pages and the admin alike)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction

from ..models import CannedResponse

if TYPE_CHECKING:
    from tenants.models import Tenant


class CannedTitleTaken(ValueError):
    """Another canned response of the tenant has this title (UNIQUE (tenant, title))."""


def canned_save(*, tenant: Tenant, canned: CannedResponse) -> CannedResponse:
    """Create or update a canned response of `tenant`.

    Forms check the title first, for a clear field error; two admins saving the same title at
    once are caught by the constraint and answered the same way, never as a 500.
    """
    canned.tenant = tenant
    canned.title = canned.title.strip()
    try:
        with transaction.atomic():
            canned.save()
    except IntegrityError:
        raise CannedTitleTaken("A canned response with this title exists.") from None
    return canned


def canned_delete(*, tenant: Tenant, canned: CannedResponse) -> None:
    CannedResponse.objects.for_tenant(tenant).filter(pk=canned.pk).delete()
