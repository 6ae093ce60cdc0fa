"""Fixed-window counters in the Django cache, for throttling what costs an email.

A cache that is down must not turn a request into a 500: a counter that cannot be read or
written lets the request through (and says so in the log). Refusing instead would lock every
user out of password resets whenever Redis restarts.
"""

from __future__ import annotations

import hashlib
import logging

from django.core.cache import cache

log = logging.getLogger(__name__)


def _key(scope: str, subject: str) -> str:
    # Hashed: subjects are email addresses and IPs, of any length and character.
    digest = hashlib.sha256(subject.encode()).hexdigest()[:32]
    return f"throttle:v1:{scope}:{digest}"


def throttle_hit(*, scope: str, subject: str, limit: int, window_seconds: int) -> bool:
    """Count one event for `subject`; True while at most `limit` happened in the window."""
    key = _key(scope, subject)
    try:
        cache.add(key, 0, timeout=window_seconds)
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr(): this is the window's first event
        try:
            cache.set(key, 1, timeout=window_seconds)
        except Exception:  # noqa: BLE001 - see the module docstring
            log.warning("throttle cache unavailable; letting %s through", scope)
            return True
        count = 1
    except Exception:  # noqa: BLE001 - see the module docstring
        log.warning("throttle cache unavailable; letting %s through", scope, exc_info=True)
        return True
    return count <= limit
