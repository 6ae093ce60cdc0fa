"""Absolute links to a tenant's pages, for email: built from configuration, never the request.

A link in an email must point at the tenant's canonical host. The request's Host header is
the client's to choose (`Host: bytez.localhost:6666` used to put `:6666` in a password-reset
link), so emailed links take the host from the tenant (its custom domain, else
`<slug>.<HELPDESK_DOMAIN>`) and the scheme and port from SITE_SCHEME / SITE_PORT. Every app
that mails a link (reset, invitations, notifications) builds it here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from .models import Tenant

_DEFAULT_PORTS = {"http": 80, "https": 443}


def tenant_host(tenant: Tenant) -> str:
    """The tenant's canonical host name (no port)."""
    if tenant.custom_domain:
        return tenant.custom_domain.strip().lower().rstrip(".")
    return f"{tenant.slug}.{settings.HELPDESK_DOMAIN}"


def tenant_base_url(tenant: Tenant) -> str:
    """`https://acme.helpdesk.example` (with `:port` when SITE_PORT is not the scheme's own)."""
    scheme = settings.SITE_SCHEME
    port = settings.SITE_PORT
    netloc = tenant_host(tenant)
    if port and port != _DEFAULT_PORTS.get(scheme):
        netloc = f"{netloc}:{port}"
    return f"{scheme}://{netloc}"


def tenant_url(tenant: Tenant, path: str) -> str:
    """An absolute URL of `path` (e.g. from `reverse()`) on the tenant's canonical host."""
    if not path.startswith("/"):
        path = f"/{path}"
    return f"{tenant_base_url(tenant)}{path}"
