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
from html.parser import HTMLParser

import pytest

from tests.conftest import host, login_as
from tests.test_isolation import _admin_value, all_routes, fill, url_object_factories

HUGE_INT = "9" * 5000
GARBAGE = [
    "",
    "x" * 5000,
    "a\x00b",
    "-1",
    "99999999999999999999999",
    "25:00",
    "2026-13-45",
    "[]",
    "\u00b2",  # "²": str.isdigit() says yes, int() says no
    HUGE_INT,  # int() refuses more than 4,300 digits
    "9999-12-31 23:59",  # a valid date where calendar arithmetic overflows
    "2026-02-30",
]
# (route, value) posts kept out of the walk because they answer 500 (none today).
KNOWN_BROKEN_POSTS: set[tuple[str, str]] = set()
QUERY_KEYS = [
    "q",
    "page",
    "page_size",
    "cursor",
    "status",
    "ordering",
    "at",
    "priority",
    "plan",
    "customer",
    "assignee",
    "tier",
    "category",
    "breached",
    "view",
    "next",
]
SKIP_NAMES = {"accounts:logout", "healthz"}
FIELD = re.compile(r'<(?:input|select|textarea)[^>]*\sname="([^"]+)"', re.I)


def _routes():
    return [
        r
        for r in all_routes()
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
                if (route.name, value) in KNOWN_BROKEN_POSTS:
                    continue
                answer = client.post(url, dict.fromkeys(fields, value))
                if answer.status_code >= 500:
                    crashes.append(f"POST {url} all fields={value[:20]!r}: {answer.status_code}")
        for value in ("a\x00b", "x" * 3000, "-1", "\u00b2", "99999999999999999999999"):
            answer = client.get(url, dict.fromkeys(QUERY_KEYS, value))
            if answer.status_code >= 500:
                crashes.append(f"GET {url}?…={value[:10]!r}: {answer.status_code}")
    assert not crashes, "\n".join(crashes)


# --- Hostile input at every route (UI, API, the admin, /accounts/), as every role --------------
#
# Raw query strings (the test client would otherwise re-encode them), so what arrives is
# exactly what an attacker can send: NUL, other control characters, malformed percent escapes,
# overlong or surrogate UTF-8, a 5,000-digit integer and dates datetime cannot hold.

ROLES = ["anonymous", "client_user", "agent", "tenant_admin"]
# The admin's own parameters too (list filters, page, ordering). Not `_to_field`: the admin
# refuses any unknown value for it with a 400 before the page runs, which would hide the rest.
HOSTILE_QUERY_KEYS = QUERY_KEYS + [
    "status__exact",
    "tenant__id__exact",
    "id__exact",
    "p",
    "o",
    "_changelist_filters",
    "_popup",
    "user",
    "all",
    "date__gte",
]
# Pages kept out of the walk because they answer 500 without hostile input (none today).
KNOWN_BROKEN: set[str] = set()
# value (already percent-encoded) → the middleware refuses it before any view runs
REFUSED_AT_THE_DOOR = {
    "NUL": "a%00b",
    "control character": "a%01b",
    "malformed escape": "%ZZ",
    "truncated escape": "abc%4",
    "overlong UTF-8": "%C0%AF",
    "UTF-16 surrogate": "%ED%A0%80",
    "not UTF-8": "%FF%FE",
}
# value → the view must answer it without crashing (400 with a field error, or ignore it)
ANSWERED_BY_THE_VIEW = {
    "5000-digit integer": "9" * 5000,
    "impossible date": "2026-02-30T00:00:00Z",
    "year 9999": "9999-12-31T23:59:59Z",
    "year 0001 with an offset": "0001-01-01T00:00:00%2B14:00",
    "negative integer": "-99999999999999999999",
}
# Refused by the middleware wherever they stand in the path (cheap: thrown at every segment).
REFUSED_PATH_JUNK = {
    "NUL": "%00",
    "control character": "a%1Fb",
    "overlong UTF-8": "%C0%AE%C0%AE",
    "not UTF-8": "%FF",
}
# Reach the view through a URL converter: thrown at every segment a converter fills.
CONVERTER_JUNK = {
    "5000 digits": "9" * 5000,
    "long junk": "%E6%96%87" * 300,
    "quote": "x'%22%3B--",
    "dot-dot": "..",
    "bigint overflow": "99999999999999999999999",
}


def _raw_query(value: str, keys: list[str] = HOSTILE_QUERY_KEYS) -> str:
    return "&".join(f"{key}={value}" for key in keys)


def _as(role: str, client, tenant, request) -> None:
    client.defaults["HTTP_HOST"] = host(tenant)
    if role != "anonymous":
        login_as(client, request.getfixturevalue(role))
    client.raise_request_exception = False  # record a 500 and go on, to list them all


def _every_route(tenant, client_user) -> list[tuple[str, set[int]]]:
    """Every route of the project, the admin's included, with real objects of `tenant` in its
    kwargs (tickets belong to `client_user`, so a client reaches the deep views too): each URL
    with the indexes of its path segments that a URL converter fills."""
    from tests.tickets.factories import make_ticket

    registry = url_object_factories()
    values = {k: make(tenant) for k, make in registry.items() if not k.startswith("admin:")}
    values["reference"] = make_ticket(client_user).reference
    found = []
    for route in all_routes():
        if route.name in SKIP_NAMES | KNOWN_BROKEN or route.path.startswith("static/"):
            continue
        if route.is_admin:
            kwargs = {k: _admin_value(route, k, tenant) for k in route.kwargs}
        elif all(k in values for k in route.kwargs):
            kwargs = {k: values[k] for k in route.kwargs}
        else:
            continue  # tests/test_isolation.py fails for unknown kwargs
        pattern = fill(route, {k: f"<{k}>" for k in route.kwargs}).strip("/").split("/")
        converted = {i for i, segment in enumerate(pattern) if segment.startswith("<")}
        found.append((fill(route, kwargs), converted))
    return found


def _every_route_url(tenant, client_user) -> list[str]:
    return [url for url, _converted in _every_route(tenant, client_user)]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_hostile_query_strings_never_crash_any_route(client, tenant, client_user, role, request):
    routes = _every_route_url(tenant, client_user)
    _as(role, client, tenant, request)
    failures = []
    for url in routes:
        for label, value in REFUSED_AT_THE_DOOR.items():
            answer = client.get(url, QUERY_STRING=_raw_query(value))
            if answer.status_code != 400:
                failures.append(f"GET {url}?…={label}: {answer.status_code}, not 400")
        answer = client.get(url, QUERY_STRING="%00=1")
        if answer.status_code != 400:
            failures.append(f"GET {url}?<NUL key>: {answer.status_code}, not 400")
        for label, value in ANSWERED_BY_THE_VIEW.items():
            answer = client.get(url, QUERY_STRING=_raw_query(value))
            if answer.status_code >= 500:
                failures.append(f"GET {url}?…={label}: {answer.status_code}")
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_junk_in_every_path_segment_never_crashes(client, tenant, client_user, role, request):
    routes = _every_route(tenant, client_user)
    _as(role, client, tenant, request)
    failures = []
    for url, converted in routes:
        segments = url.strip("/").split("/")
        for index in range(len(segments)):
            junk = dict(REFUSED_PATH_JUNK)
            if index in converted:
                junk.update(CONVERTER_JUNK)
            for label, value in junk.items():
                broken = "/" + "/".join([*segments[:index], value, *segments[index + 1 :]]) + "/"
                answer = client.get(broken)
                refused = label in REFUSED_PATH_JUNK
                if answer.status_code >= 500 or refused and answer.status_code != 400:
                    failures.append(f"GET {broken[:120]} ({label}): {answer.status_code}")
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_deeply_nested_json_to_every_route_is_refused(client, tenant, client_user, role, request):
    routes = _every_route_url(tenant, client_user)
    _as(role, client, tenant, request)
    failures = []
    for nested in ("[" * 5000, "[" * 5000 + "]" * 5000, '{"a":' * 5000 + "1" + "}" * 5000):
        for url in routes:
            answer = client.post(url, nested, content_type="application/json")
            if answer.status_code >= 500:
                failures.append(f"POST {url} nested JSON: {answer.status_code}")
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_nested_json_is_a_400_before_any_sign_in(tenant_client):
    for body in ("[" * 5000, "[" * 33 + "]" * 33, '{"email":' * 40 + '"x"' + "}" * 40):
        answer = tenant_client.post("/api/token/", body, content_type="application/json")
        assert answer.status_code == 400, body[:50]
        assert "nested deeper" in answer.json()["detail"]
    shallow = '{"email": "a@b.example", "password": "x", "extra": [[[[1]]]]}'
    answer = tenant_client.post("/api/token/", shallow, content_type="application/json")
    assert answer.status_code == 400
    assert "non_field_errors" in answer.json()  # parsed, then refused as bad credentials


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("at", "expect"),
    [
        ("9999-12-31T23:59:59Z", "between"),
        ("2026-02-30T00:00:00Z", "ISO 8601"),
        ("0001-01-01T00:00:00+14:00", "between"),
        ("2026-03-01T09:00:00", "offset"),
        ("9" * 5000, "ISO 8601"),
    ],
)
def test_impossible_or_far_instants_are_field_errors(tenant_client, agent, at, expect):
    login_as(tenant_client, agent)
    answer = tenant_client.get("/api/sla/calendars/", {"at": at})
    assert answer.status_code == 400
    assert expect in answer.json()["at"][0]
    fine = tenant_client.get("/api/sla/calendars/", {"at": "2026-03-01T09:00:00Z"})
    assert fine.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["q=%00", "status__exact=%00", "q=%ZZ", "q=%C0%AF", "%00=x"])
def test_the_reviewers_examples_are_400s(tenant_client, tenant_admin, query):
    login_as(tenant_client, tenant_admin)
    for path in ("/queue/", "/api/tickets/", "/admin/tickets/ticket/", "/tickets/", "/"):
        answer = tenant_client.get(path, QUERY_STRING=query)
        assert answer.status_code == 400, (path, query, answer.status_code)
    assert tenant_client.get("/work/%00/").status_code == 400
    assert tenant_client.get("/api/tickets/%00/").json() == {
        "detail": "The address contains control characters."
    }


@pytest.mark.django_db
@pytest.mark.parametrize("cookie", ["sessionid=abcdefgh\x00ijk", "csrftoken=a\x01b", "x=\x00"])
def test_control_characters_in_cookies_are_400s(client, tenant, cookie):
    client.raise_request_exception = False
    for path in ("/", "/api/tickets/", "/admin/", "/accounts/login/"):
        answer = client.get(path, HTTP_HOST=host(tenant), HTTP_COOKIE=cookie)
        assert answer.status_code == 400, (path, answer.status_code)


@pytest.mark.django_db
def test_forged_cursors_are_refused_not_crashes(tenant_client, agent, client_user):
    import base64

    def forged(payload: str) -> str:
        return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")

    login_as(tenant_client, agent)
    tenant_client.raise_request_exception = False
    for payload in (
        "[" * 3000,
        '["2026-01-01T00:00:00+00:00", 99999999999999999999999]',
        "[null, -1]",
        '["2026-02-30T00:00:00+00:00", 1]',
    ):
        answer = tenant_client.get("/api/tickets/", {"cursor": forged(payload)})
        assert answer.status_code == 400, (payload[:40], answer.status_code)
        assert tenant_client.get("/queue/", {"cursor": forged(payload)}).status_code < 500
    far = forged('["9999-12-31T23:59:59+00:00", 1]')  # a real instant: an empty page
    assert tenant_client.get("/api/tickets/", {"cursor": far}).status_code == 200
    answer = tenant_client.get("/api/tickets/", {"cursor": "A" * 5000})
    assert answer.status_code == 400


@pytest.mark.django_db
def test_integers_past_the_interpreters_limit_are_field_errors(tenant_client, agent):
    login_as(tenant_client, agent)
    huge = "9" * 5000
    for query in (f"page_size={huge}", f"customer={huge}", f"tier={huge}"):
        answer = tenant_client.get("/api/tickets/", QUERY_STRING=query)
        assert answer.status_code == 400, query
        assert query.split("=")[0] in answer.json()
    assert tenant_client.get("/queue/", QUERY_STRING=f"tier={huge}").status_code == 400
    answer = tenant_client.get("/api/tickets/", QUERY_STRING=f"assignee={huge}")
    assert answer.status_code == 200  # not a member id: ignored, like any other word


@pytest.mark.django_db
def test_a_list_with_a_refused_filter_runs_no_ticket_query(
    tenant_client, agent, client_user, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    login_as(tenant_client, agent)
    with CaptureQueriesContext(connection) as queries:
        answer = tenant_client.get("/queue/", {"tier": "x", "status": "nonsense"})
    assert answer.status_code == 400
    assert not [q for q in queries.captured_queries if 'FROM "tickets_ticket"' in q["sql"]]
    login_as(tenant_client, client_user)
    with CaptureQueriesContext(connection) as queries:
        answer = tenant_client.get("/tickets/", {"customer": "9" * 5000})
    assert answer.status_code == 400
    assert not [q for q in queries.captured_queries if 'FROM "tickets_ticket"' in q["sql"]]


@pytest.mark.django_db
def test_a_tenant_admin_opens_a_tickets_admin_page(tenant_client, tenant, tenant_admin):
    from tests.tickets.factories import ticket_in

    login_as(tenant_client, tenant_admin)
    tenant_client.raise_request_exception = False
    ticket = ticket_in(tenant)
    assert tenant_client.get(f"/admin/tickets/ticket/{ticket.pk}/change/").status_code == 200


# --- A 130-CJK-character file name to every upload form --------------------------------------

CJK_NAME = "文" * 130 + ".txt"  # 390 bytes in UTF-8: past every file system's 255-byte limit


class _UploadForms(HTMLParser):
    """Multipart forms of a page, with a plausible value for each of their fields."""

    def __init__(self, prefer: set[str]) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._select: str | None = None
        self._prefer = prefer  # option values to choose when offered (a client with an SLA)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "form":
            multipart = a.get("enctype") == "multipart/form-data"
            self.forms.append(
                {"action": a.get("action"), "fields": {}, "files": [], "on": multipart}
            )
            return
        if not self.forms or not self.forms[-1]["on"]:
            return
        form, name, kind = self.forms[-1], a.get("name"), (a.get("type") or "text").lower()
        if tag == "option" and self._select and a.get("value"):
            if a["value"] in self._prefer:
                form["fields"][self._select] = a["value"]
            else:
                form["fields"].setdefault(self._select, a["value"])
        if not name:
            return
        if tag == "input" and kind == "file":
            form["files"].append(name)
        elif tag == "input" and kind in ("radio", "hidden", "submit"):
            form["fields"].setdefault(name, a.get("value", ""))
        elif tag == "input" and kind != "checkbox" or tag == "textarea":
            form["fields"].setdefault(name, "It stopped working this morning.")
        elif tag == "button" and kind == "submit":
            form["fields"].setdefault(name, a.get("value", ""))
        elif tag == "select":
            self._select = name

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["client_user", "agent", "tenant_admin"])
def test_a_130_cjk_character_file_name_is_accepted_by_every_upload_form(
    client, tenant, customer, client_user, role, request
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.tickets.factories import sla_config
    from tickets.models import Attachment

    sla_config(tenant, customer.plan)
    urls = _every_route_url(tenant, client_user)
    _as(role, client, tenant, request)
    failures, posted = [], 0
    for url in urls:
        if url.startswith(("/admin/", "/api/")):
            continue
        page = client.get(url)
        if page.status_code != 200 or page.streaming:  # a CSV export: no form
            continue
        if "multipart/form-data" not in page.content.decode():
            continue
        parser = _UploadForms(prefer={str(client_user.pk)})
        parser.feed(page.content.decode())
        for form in (f for f in parser.forms if f["on"] and f["files"]):
            data = dict(form["fields"])
            data.pop("csrfmiddlewaretoken", None)
            for name in form["files"]:
                data[name] = SimpleUploadedFile(CJK_NAME, b"hello", content_type="text/plain")
            answer = client.post(form["action"] or url, data)
            posted += 1
            if answer.status_code >= 400:
                errors = re.findall(r'class="error"[^>]*>([^<]+)', answer.content.decode())
                failures.append(f"POST {form['action'] or url}: {answer.status_code} {errors}")
    assert posted > 0, "no upload form found"
    assert not failures, "\n".join(failures)
    stored = Attachment.objects.for_tenant(tenant).filter(filename__startswith="文" * 10)
    assert stored.count() == posted


@pytest.mark.django_db
def test_a_5000_digit_warning_threshold_is_a_field_error(tenant_client, tenant_admin):
    from sla.models import Plan
    from tests.factories import PlanFactory

    plan = PlanFactory(tenant=tenant_admin.tenant)
    login_as(tenant_client, tenant_admin)
    tenant_client.raise_request_exception = False
    answer = tenant_client.post(
        f"/settings/sla/plans/{plan.pk}/policies/new/",
        {"effective_from": "2030-01-01 00:00", "summary": "x", "warning_thresholds": HUGE_INT},
    )
    assert answer.status_code == 400
    assert Plan.objects.for_tenant(tenant_admin.tenant).filter(pk=plan.pk).exists()


@pytest.mark.django_db
def test_a_body_larger_than_the_site_takes_is_a_413(tenant_client, settings):
    from tests.notifications.inbound.esp import multipart

    settings.REQUEST_BODY_MAX_BYTES = 4_000
    settings.ATTACHMENT_MAX_FILES, settings.ATTACHMENT_MAX_BYTES = 2, 3_000
    big = json.dumps({"email": "a@b.example", "password": "x" * 5_000})
    answer = tenant_client.post("/api/token/", big, content_type="application/json")
    assert answer.status_code == 413 and "too large" in answer.json()["detail"]
    small = json.dumps({"email": "a@b.example", "password": "x"})
    answer = tenant_client.post("/api/token/", small, content_type="application/json")
    assert answer.status_code == 400
    # A multipart form may carry its attachments on top, no more.
    body, content_type = multipart({"email": "a@b.example", "password": "x" * 11_000})
    answer = tenant_client.post("/accounts/login/", body, content_type=content_type)
    assert answer.status_code == 413
    body, content_type = multipart({"email": "a@b.example", "password": "x" * 7_000})
    answer = tenant_client.post("/accounts/login/", body, content_type=content_type)
    assert answer.status_code < 500 and answer.status_code != 413
