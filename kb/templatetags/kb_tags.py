"""Template access to the knowledge base for pages of lower apps (the policy page lives in
sla, which must not import kb): `{% load kb_tags %}{% kb_available tenant=tenant as kb_on %}`."""

from __future__ import annotations

from django import template

from tenants.models import Tenant

from .. import selectors

register = template.Library()


@register.simple_tag
def kb_available(*, tenant: Tenant | None) -> bool:
    """Whether `tenant` has a published help article (a page promises a knowledge base only
    then)."""
    return tenant is not None and selectors.kb_available(tenant=tenant)
