"""Which tenant a delivery belongs to: chosen by the envelope recipient only.

The envelope recipient is what the ESP's MX accepted the mail for; headers (To, Cc, Delivered-To)
are written by the sender and never choose a tenant. Three forms are recognised:
the tenant's own inbound address (`Tenant.inbound_email`, e.g. support@bytez.example),
`<slug>@INBOUND_DOMAIN`, and `reply+<token>@INBOUND_DOMAIN` (the ticket's reply address).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings

from tenants.models import Tenant
from tickets.models import Ticket

from . import tokens

_CACHE_SECONDS = 30.0
# Bounded: mail to random addresses (a catch-all route sends any local part here) must not
# grow every web process for ever. Past the bound, expired entries go, then the oldest.
CACHE_MAX_ENTRIES = 4_096
_cache: dict[str, tuple[float, int | None]] = {}
_tenants: dict[int, tuple[float, Tenant]] = {}


def _remember(cache: dict, key: object, value: tuple, now: float) -> None:
    cache.pop(key, None)  # re-inserted last: the newest
    if len(cache) >= CACHE_MAX_ENTRIES:
        for stale in [k for k, (until, _v) in cache.items() if until <= now]:
            del cache[stale]
        while len(cache) >= CACHE_MAX_ENTRIES:
            del cache[next(iter(cache))]  # insertion order: the oldest first
    cache[key] = value


@dataclass(frozen=True)
class Route:
    tenant: Tenant | None
    ticket_id: int | None = None


def _tenant_id_for_address_cross_tenant(address: str) -> int | None:
    # Process-local cache: the webhook answers in milliseconds even under a burst; a changed
    # inbound address takes effect within _CACHE_SECONDS in every process.
    now = time.monotonic()
    hit = _cache.get(address)
    if hit is not None and hit[0] > now:
        return hit[1]
    local, _, domain = address.partition("@")
    tenant_id = (
        Tenant.objects.filter(inbound_email__iexact=address, is_active=True)
        .values_list("pk", flat=True)
        .first()
    )
    if tenant_id is None and domain == settings.INBOUND_DOMAIN:
        tenant_id = (
            Tenant.objects.filter(slug=local, is_active=True).values_list("pk", flat=True).first()
        )
    _remember(_cache, address, (now + _CACHE_SECONDS, tenant_id), now)
    return tenant_id


def route_cross_tenant(envelope_recipient: str) -> Route:
    """The tenant (and, for a reply address, the ticket) an envelope recipient names."""
    address = (envelope_recipient or "").strip().strip("<>").lower()
    local, at, domain = address.rpartition("@")
    if not at or not local:
        return Route(tenant=None)
    if domain == settings.INBOUND_DOMAIN and local.startswith("reply+"):
        return _route_reply_cross_tenant(local)
    tenant_id = _tenant_id_for_address_cross_tenant(address)
    if tenant_id is None:
        return Route(tenant=None)
    return Route(tenant=_tenant_cross_tenant(tenant_id))


def _tenant_cross_tenant(tenant_id: int) -> Tenant:
    now = time.monotonic()
    hit = _tenants.get(tenant_id)
    if hit is not None and hit[0] > now:
        return hit[1]
    tenant = Tenant.objects.get(pk=tenant_id)
    _remember(_tenants, tenant_id, (now + _CACHE_SECONDS, tenant), now)
    return tenant


def _route_reply_cross_tenant(local: str) -> Route:
    ticket_id = tokens.reply_token_ticket_id(local)
    if ticket_id is None:
        return Route(tenant=None)
    row = (
        Ticket.objects.cross_tenant()
        .filter(pk=ticket_id, tenant__is_active=True)
        .values_list("tenant_id", flat=True)
        .first()
    )
    if row is None or not tokens.reply_token_valid(local, tenant_id=row, ticket_id=ticket_id):
        return Route(tenant=None)
    return Route(tenant=_tenant_cross_tenant(row), ticket_id=ticket_id)


def routing_cache_clear() -> None:
    _cache.clear()
    _tenants.clear()
