"""A Redis cache that is an accelerator, never a dependency.

Every caller of the cache (the host -> tenant lookup, cached_db sessions, anything else) gets
the behaviour of an empty cache while Redis is down or frozen, instead of an exception or a
hang: reads answer the default (the caller falls back to PostgreSQL), writes are dropped.

Short socket timeouts (CACHES OPTIONS) bound one call; a per-process circuit breaker bounds a
request: after a failure the cache is skipped entirely for `RETRY_SECONDS`, so a frozen Redis
costs one timeout every few seconds per process, not one per cache call.

Deletes and writes that fail are remembered (bounded) and replayed as deletes once Redis
answers again: a session signed out or changed, or a tenant renamed, while Redis was down must
not come back from the cache, stale, when Redis does.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RETRY_SECONDS = 5.0
MAX_REMEMBERED_DELETES = 10_000

T = TypeVar("T")


class _Breaker:
    """Shared by every thread's instance of one cache location (Django makes one per thread)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.open_until = 0.0
        self.failed_deletes: set[str] = set()

    def is_open(self) -> bool:
        return time.monotonic() < self.open_until

    def trip(self, error: Exception, operation: str) -> None:
        with self.lock:
            was_closed = not self.is_open()
            self.open_until = time.monotonic() + RETRY_SECONDS
        if was_closed:
            logger.warning(
                "cache unavailable (%s: %s): serving from the database for %.0f s",
                operation, error, RETRY_SECONDS,
            )  # fmt: skip


_breakers: dict[str, _Breaker] = {}
_breakers_lock = threading.Lock()


def _breaker_for(location: str) -> _Breaker:
    with _breakers_lock:
        return _breakers.setdefault(location, _Breaker())


class ResilientRedisCache(RedisCache):
    """django's RedisCache, with Redis errors logged and answered as an empty cache."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._breaker = _breaker_for(str(server))

    def _guard(self, operation: str, call: Callable[[], T], default: T) -> T:
        breaker = self._breaker
        if breaker.is_open():
            return default
        if breaker.failed_deletes:  # before the read: it may be of a key that must be gone
            self._replay_deletes()
            if breaker.is_open():
                return default
        try:
            return call()
        except RedisError as error:
            breaker.trip(error, operation)
            return default

    def _remember_deletes(self, keys: Iterable[str]) -> None:
        with self._breaker.lock:
            remembered = self._breaker.failed_deletes
            if len(remembered) < MAX_REMEMBERED_DELETES:
                remembered.update(keys)

    def _replay_deletes(self) -> None:
        with self._breaker.lock:
            keys, self._breaker.failed_deletes = self._breaker.failed_deletes, set()
        try:
            self._cache.delete_many(list(keys))
        except RedisError as error:
            self._remember_deletes(keys)
            self._breaker.trip(error, "delete_many (replay)")

    # The signatures are BaseCache's; each call goes through the breaker with the default an
    # empty cache would give.
    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
            ) -> bool:  # fmt: skip
        parent = super()
        return self._guard("add", lambda: parent.add(key, value, timeout, version), False)

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        parent = super()
        return self._guard("get", lambda: parent.get(key, default, version), default)

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
            ) -> None:  # fmt: skip
        parent = super()
        stored = self._guard("set", lambda: parent.set(key, value, timeout, version) or True, False)
        if not stored:  # the value Redis still holds is older than this one: it must go
            self._remember_deletes([self.make_and_validate_key(key, version=version)])

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        parent = super()
        return self._guard("touch", lambda: parent.touch(key, timeout, version), False)

    def get_many(self, keys: Any, version: Any = None) -> dict[str, Any]:
        parent = super()
        return self._guard("get_many", lambda: parent.get_many(keys, version), {})

    def has_key(self, key: Any, version: Any = None) -> bool:
        parent = super()
        return self._guard("has_key", lambda: parent.has_key(key, version), False)

    def set_many(self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> list:
        parent = super()
        failed = self._guard("set_many", lambda: parent.set_many(data, timeout, version), None)
        if failed is None:
            self._remember_deletes([self.make_and_validate_key(k, version=version) for k in data])
            return list(data)
        return failed

    def clear(self) -> bool:
        parent = super()
        return self._guard("clear", lambda: parent.clear(), False)

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        # A counter Redis cannot give answers as if it had just started (`delta`): a rate limit
        # fails open while Redis is down rather than failing every request it guards.
        if self._breaker.is_open():
            return delta
        try:
            return super().incr(key, delta, version)
        except RedisError as error:
            self._breaker.trip(error, "incr")
            return delta

    def delete(self, key: Any, version: Any = None) -> bool:
        return self._delete([self.make_and_validate_key(key, version=version)])

    def delete_many(self, keys: Any, version: Any = None) -> None:
        self._delete([self.make_and_validate_key(key, version=version) for key in keys])

    def _delete(self, keys: list[str]) -> bool:
        """Delete now, or remember to delete when Redis is back (see the module docstring)."""
        if not keys:
            return False
        if self._breaker.is_open():
            self._remember_deletes(keys)
            return False
        try:
            return bool(self._cache.get_client(write=True).delete(*keys))
        except RedisError as error:
            self._remember_deletes(keys)
            self._breaker.trip(error, "delete")
            return False
