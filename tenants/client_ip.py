"""The client's address, as the sign-in lockout and the reset throttle see it.

Behind a reverse proxy every request comes from the proxy's address; keyed on that, one
attacker's failures would lock every user out (or, throttled per address, everyone would share
one budget). X-Forwarded-For is believed only as far as TRUSTED_PROXY_COUNT says: with N
proxies of ours in front, each appending the address it saw, the client is the N-th entry
from the right. Entries further left are whatever the client chose to send, and are ignored.
With TRUSTED_PROXY_COUNT = 0 (the default: no proxy) the header is ignored altogether.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The client's IP address (axes' AXES_CLIENT_IP_CALLABLE, and the reset throttle's)."""
    remote = _valid(request.META.get("REMOTE_ADDR", "")) or "0.0.0.0"  # noqa: S104
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [p for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
    if len(forwarded) < proxies:
        # Fewer hops than proxies: the request did not come through all of them (or a proxy
        # is misconfigured); only the peer's own address is known for sure.
        return remote
    return _valid(forwarded[-proxies]) or remote
