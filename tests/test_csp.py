"""Content-Security-Policy on every HTML page, and no inline script anywhere (issue #8 item 6).

The policy only protects if nothing needs 'unsafe-inline': the route walk checks the header on
every HTML page each role can reach and the page bodies for inline script; a grep over
templates/ catches an inline handler before any page renders it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import host, login_as
from tests.test_isolation import _admin_value, all_routes, fill, url_object_factories

TEMPLATES = Path(settings.BASE_DIR) / "templates"
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
JS_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.I)
RELAXED_DOCS = {"/api/docs/", "/api/redoc/"}
# style-src 'self': an inline <style> element or style="" attribute is refused by the browser
# (the page renders unstyled, a printable page prints its navigation).
INLINE_STYLE = re.compile(r"<style\b|<[a-z][^>]*\sstyle\s*=", re.I)
TEMPLATE_COMMENT = re.compile(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}", re.S)


def _is_email_body(path, text: str) -> bool:
    """A notification's HTML body (rendered into an email, never served as a page)."""
    relative = path.relative_to(TEMPLATES)
    return (
        relative.parts[0] == "notifications"
        and "{% extends" not in text
        and not relative.name.startswith("_")
    )


def _directives(header: str) -> dict[str, list[str]]:
    parts = [p.strip().split() for p in header.split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


def test_no_template_has_inline_script_or_handlers():
    offenders = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = TEMPLATE_COMMENT.sub("", path.read_text())
        patterns = [INLINE_SCRIPT, INLINE_HANDLER, JS_URL]
        if not _is_email_body(path, text):
            patterns.append(INLINE_STYLE)
        for pattern in patterns:
            offenders += [
                f"{path.relative_to(TEMPLATES)}: {m[0][:60]}" for m in pattern.finditer(text)
            ]
    assert not offenders, "\n".join(offenders)


def test_the_template_check_would_catch_inline_script():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert INLINE_SCRIPT.search('<script type="module">x()</script>')
    assert not INLINE_SCRIPT.search('<script src="/static/js/app.js" defer></script>')
    assert INLINE_HANDLER.search('<select id="x" onchange="go()">')
    assert INLINE_HANDLER.search("<button\n  onclick='x()'>")
    assert not INLINE_HANDLER.search('<button data-online="1" class="on">')
    assert INLINE_STYLE.search("<style>\n.x { color: red }</style>")
    assert INLINE_STYLE.search('<p class="a" style="color:red">')
    assert not INLINE_STYLE.search('<link rel="stylesheet" href="/static/css/app.css">')
    assert not INLINE_STYLE.search('<p data-style="x">')
    assert JS_URL.search('<a href="javascript:void(0)">')


def _html_pages(client, tenant, client_user):
    from tests.test_bad_input import KNOWN_BROKEN
    from tests.tickets.factories import make_ticket

    registry = url_object_factories()
    values = {k: make(tenant) for k, make in registry.items() if not k.startswith("admin:")}
    values["reference"] = make_ticket(client_user).reference
    for route in all_routes():
        if route.name in KNOWN_BROKEN | {"accounts:logout"} or route.path.startswith("static/"):
            continue
        if route.is_admin:
            kwargs = {k: _admin_value(route, k, tenant) for k in route.kwargs}
        elif all(k in values for k in route.kwargs):
            kwargs = {k: values[k] for k in route.kwargs}
        else:
            continue
        url = fill(route, kwargs)
        response = client.get(url)
        if response.get("Content-Type", "").startswith("text/html"):
            yield url, response


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["anonymous", "client_user", "agent", "tenant_admin"])
def test_every_html_page_carries_a_policy_without_inline_script(
    client, tenant, client_user, role, request
):
    client.defaults["HTTP_HOST"] = host(tenant)
    if role != "anonymous":
        login_as(client, request.getfixturevalue(role))
    problems, seen = [], 0
    for url, response in _html_pages(client, tenant, client_user):
        seen += 1
        header = response.get("Content-Security-Policy")
        if not header:
            problems.append(f"{url}: no Content-Security-Policy")
            continue
        policy = _directives(header)
        script_src = policy.get("script-src", policy.get("default-src", []))
        if not script_src or {"'unsafe-inline'", "'unsafe-eval'", "*"} & set(script_src):
            problems.append(f"{url}: script-src {script_src}")
        if "'unsafe-inline'" in policy.get("style-src", []) and url not in RELAXED_DOCS:
            problems.append(f"{url}: style-src allows inline styles")
        if policy.get("object-src") != ["'none'"] or policy.get("frame-ancestors") != ["'none'"]:
            problems.append(f"{url}: object-src/frame-ancestors not 'none'")
        body = response.content.decode(errors="replace")
        patterns = [INLINE_SCRIPT, INLINE_HANDLER, JS_URL]
        if url not in RELAXED_DOCS:
            patterns.append(INLINE_STYLE)
        for pattern in patterns:
            problems += [f"{url}: {m[0][:60]}" for m in pattern.finditer(body)]
    assert seen > 3
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_the_api_docs_relax_styles_only_on_their_own_pages(tenant_client, agent):
    login_as(tenant_client, agent)
    docs = _directives(tenant_client.get("/api/docs/")["Content-Security-Policy"])
    assert "'unsafe-inline'" in docs["style-src"]
    assert docs["script-src"] == ["'self'"]
    swagger_js = tenant_client.get("/api/docs/", {"script": ""})
    assert swagger_js.status_code == 200
    assert swagger_js["Content-Type"].startswith("application/javascript")
    queue = _directives(tenant_client.get("/queue/")["Content-Security-Policy"])
    assert queue["style-src"] == ["'self'"] and queue["script-src"] == ["'self'"]


@pytest.mark.django_db
def test_pages_answered_by_middleware_carry_the_policy_too(client):
    unknown_host = client.get("/", HTTP_HOST="nobody.localhost")
    assert unknown_host.status_code == 404
    assert "script-src 'self'" in unknown_host["Content-Security-Policy"]
