"""Redis is an accelerator, never a dependency: pages answer with Redis killed or frozen.

Before ops.cache, the host -> tenant lookup raised ConnectionError (every tenant page, login
included, answered 500) and a frozen Redis hung requests for good (no socket timeouts).
"""

from __future__ import annotations

import threading
import time

import pytest
from django.core.cache import cache
from django.test import Client

from tests.conftest import host, login_as

# Requests run in a thread (a hang guard), on their own connection: committed data needed.
pytestmark = [pytest.mark.fault, pytest.mark.django_db(transaction=True)]

# A hang guard, not a speed target: a request that waits on a dead Redis forever fails here.
BOUND_SECONDS = 5.0


def get_bounded(client, path: str):
    """GET in a thread joined with a bound, so a request that hangs fails the test instead of
    hanging the run."""
    outcome: dict = {}

    def run() -> None:
        started = time.monotonic()
        try:
            outcome["response"] = client.get(path)
        except Exception as error:  # reported below as the failure it is
            outcome["error"] = error
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(BOUND_SECONDS * 2)
    assert not thread.is_alive(), f"GET {path} still hanging after {BOUND_SECONDS * 2} s"
    if "error" in outcome:
        raise outcome["error"]
    assert outcome["seconds"] < BOUND_SECONDS, f"GET {path} took {outcome['seconds']:.1f} s"
    return outcome["response"]


@pytest.mark.parametrize("fault", ["killed", "frozen"])
def test_login_and_tenant_pages_answer_without_redis(tenant, client_user, redis_cache, fault):
    anonymous, signed_in = Client(HTTP_HOST=host(tenant)), Client()
    login_as(signed_in, client_user)
    assert get_bounded(anonymous, "/accounts/login/").status_code == 200
    assert get_bounded(signed_in, "/tickets/").status_code == 200
    assert cache.get(f"tenant-host:v1:{host(tenant)}") is not None  # Redis was really in use

    redis_cache.kill() if fault == "killed" else redis_cache.freeze()

    assert get_bounded(anonymous, "/accounts/login/").status_code == 200
    # Still signed in: the session is read from PostgreSQL when the cache cannot answer.
    tickets_page = get_bounded(signed_in, "/tickets/")
    assert tickets_page.status_code == 200
    assert client_user.user.email in tickets_page.content.decode()
    again = get_bounded(signed_in, "/tickets/")  # the breaker skips Redis: no timeout again
    assert again.status_code == 200


def test_signing_in_works_while_redis_is_down(client, tenant, client_user, redis_cache):
    from tests.conftest import PASSWORD

    client_user.user.set_password(PASSWORD)
    client_user.user.save()
    client.defaults["HTTP_HOST"] = host(tenant)
    redis_cache.kill()
    response = client.post(
        "/accounts/login/", {"username": client_user.user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert get_bounded(client, "/tickets/").status_code == 200


def test_a_session_signed_out_while_redis_was_down_stays_signed_out(
    client, tenant, client_user, redis_cache
):
    """The cached copy of the session cannot be deleted while Redis is frozen; the delete is
    replayed when Redis answers again, so the signed-out session does not come back."""
    client.defaults["HTTP_HOST"] = host(tenant)
    login_as(client, client_user)
    assert get_bounded(client, "/tickets/").status_code == 200
    cookie = client.cookies["sessionid"].value
    redis_cache.freeze()
    assert client.post("/accounts/logout/").status_code == 302
    redis_cache.thaw()
    from ops import cache as ops_cache

    ops_cache._breaker_for(redis_cache.url).open_until = 0  # as if RETRY_SECONDS had passed
    client.cookies["sessionid"] = cookie  # a stolen copy of the old cookie
    response = get_bounded(client, "/tickets/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_value_written_while_redis_was_down_does_not_come_back_stale(redis_cache):
    from ops import cache as ops_cache

    cache.set("k", "v1")
    assert cache.get("k") == "v1"
    redis_cache.freeze()
    cache.set("k", "v2")  # lost: the database holds v2, Redis still v1
    assert cache.get("k") is None  # breaker open: an empty cache, never an error
    redis_cache.thaw()
    ops_cache._breaker_for(redis_cache.url).open_until = 0  # as if RETRY_SECONDS had passed
    assert cache.get("k") is None  # v1 was deleted before the read, not served
