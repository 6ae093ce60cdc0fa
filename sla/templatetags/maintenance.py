"""`{% maintenance_banner %}`: the portal's banner for maintenance running now or coming up
within its notice period (one query, only on pages that include it)."""

from __future__ import annotations

from typing import Any

from django import template

from ..notices import maintenance_banners

register = template.Library()


@register.inclusion_tag("portal/_maintenance_banner_items.html", takes_context=True)
def maintenance_banner(context: dict[str, Any]) -> dict[str, Any]:
    tenant = context.get("tenant")
    return {"banners": maintenance_banners(tenant=tenant) if tenant is not None else []}
