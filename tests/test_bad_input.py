"""Bad input never becomes a 500, on any route, found automatically.

Every URL pattern (admin and static aside) is visited as a client, an agent and a tenant admin,
with its URL kwargs filled from the `URL_OBJECTS` registries. Pages are fetched to learn their
form fields, then posted garbage in each field: empty, huge, NUL bytes (which PostgreSQL
refuses in text), out-of-range numbers, malformed times and dates. API routes get malformed
JSON, wrong types and the same values. Each answer must be below 500: a 400 with field errors,
a 404, a redirect — anything but a crash.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import login_as
from tests.test_isolation import all_routes, fill, url_object_factories

GARBAGE = [
    "", "x" * 5000, "a\x00b", "-1", "99999999999999999999999", "25:00", "2026-13-45", "[]",
    "\u00b2",  # "²": str.isdigit() says yes, int() says no
]
QUERY_KEYS = [
    "q", "page", "page_size", "cursor", "status", "ordering", "at", "priority", "plan",
    "customer", "assignee", "tier", "category", "breached", "view", "next",
]
SKIP_NAMES = {"accounts:logout", "healthz"}
FIELD = re.compile(r'<(?:input|select|textarea)[^>]*\sname="([^"]+)"', re.I)


def _routes():
    return [
        r for r in all_routes()
        if not r.is_admin and r.name not in SKIP_NAMES and not r.path.startswith("static/")
    ]


def _api_payloads(fields: list[str]) -> list[object]:
    payloads: list[object] = [{}, [], "not an object", {"unknown": 1}]
    names = fields or ["subject", "description", "priority", "body", "internal", "status"]
    for value in GARBAGE + [None, 12, True, ["a"], {"a": 1}]:
        payloads.append(dict.fromkeys(names, value))
    return payloads


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["client_user", "agent", "tenant_admin"])
def test_no_route_answers_garbage_with_a_500(client, tenant, role, request):
    membership = request.getfixturevalue(role)
    registry = url_object_factories()
    values = {k: v(tenant) for k, v in registry.items() if not k.startswith("admin:")}
    login_as(client, membership)
    client.raise_request_exception = False  # record a 500 and go on, to list them all
    crashes = []
    for route in _routes():
        if any(k not in values for k in route.kwargs):
            continue  # tests/test_isolation.py fails for unknown kwargs
        url = fill(route, values)
        page = client.get(url)
        if page.status_code >= 500:
            crashes.append(f"GET {url}: {page.status_code}")
            continue
        readable = page.status_code == 200 and not page.streaming  # a CSV export: no form
        body = page.content.decode(errors="replace") if readable else ""
        fields = sorted({f for f in FIELD.findall(body) if f != "csrfmiddlewaretoken"})
        if route.path.startswith("api/"):
            for payload in _api_payloads(fields):
                answer = client.post(url, json.dumps(payload), content_type="application/json")
                if answer.status_code >= 500:
                    crashes.append(f"POST {url} {payload!r:.80}: {answer.status_code}")
            answer = client.post(url, "{broken", content_type="application/json")
            if answer.status_code >= 500:
                crashes.append(f"POST {url} broken JSON: {answer.status_code}")
        else:
            for value in GARBAGE:
                answer = client.post(url, dict.fromkeys(fields, value))
                if answer.status_code >= 500:
                    crashes.append(f"POST {url} all fields={value[:20]!r}: {answer.status_code}")
        for value in ("a\x00b", "x" * 3000, "-1", "\u00b2", "99999999999999999999999"):
            answer = client.get(url, dict.fromkeys(QUERY_KEYS, value))
            if answer.status_code >= 500:
                crashes.append(f"GET {url}?…={value[:10]!r}: {answer.status_code}")
    assert not crashes, "\n".join(crashes)
