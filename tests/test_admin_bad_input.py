"""The admin's add and change forms never answer bad input with a 500 (issue #7 item 4).

Found automatically: every model the admin registers for `tenants`, `sla` and `tickets` is
visited as a tenant admin on the tenant's host. Its add and change pages are fetched to learn
their fields, then posted garbage in every field, then posted a copy of an existing row (a
duplicate of every unique value), then fetched with garbage `?field=` prefills. Each answer
must be 200 (the form with its errors), 302 (saved), 400 or 403 (a read-only model): never a
500. Duplicates must not add a row.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.contrib.admin.sites import site as admin_site

from tenants.scoping import TenantOwned
from tests.conftest import login_as
from tests.test_isolation import url_object_factories

pytestmark = pytest.mark.django_db

GARBAGE = [
    "", " ", "x" * 5000, "a\x00b", "-1", "0", "99999999999999999999999", "1e400", "25:00",
    "2026-13-45", "9999-12-31", "[]", "{", '{"0": ["25:00-26:00"]}', "\u00b2", "<script>",
    "1,2,x", "None",
]  # fmt: skip
PER_FIELD = ["x", "-1", "99999999999999999999999", "2026-13-45", "\u00b2", ""]
FIELD = re.compile(r'<(?:input|select|textarea)[^>]*\sname="([^"]+)"', re.I)
APPS = ("tenants", "sla", "tickets")
OK = {200, 302, 400, 403, 404}


class _FormValues(HTMLParser):
    """The values a rendered admin form would post back (a browser's "submit as is")."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and name != "csrfmiddlewaretoken":
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "file"):
                self.values.setdefault(name, []).append(a.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.values.setdefault(name, []).append("")
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.values.setdefault(self._select, []).append(a.get("value") or "")

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea][-1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


def _form_values(html: str) -> dict[str, list[str]]:
    parser = _FormValues()
    parser.feed(html)
    return parser.values


def _admins():
    return sorted(
        (m for m in admin_site._registry if m._meta.app_label in APPS),
        key=lambda m: m._meta.label,
    )


def _object_id(model, tenant, tenant_admin) -> str:
    if issubclass(model, TenantOwned):
        return str(url_object_factories()[f"admin:{model._meta.label_lower}"](tenant))
    if model._meta.label == "tenants.User":
        return str(tenant_admin.user.pk)
    return str(tenant.pk)


def _has_unique_values(model) -> bool:
    """Unique constraints besides TenantOwned's (tenant, id)."""
    from django.db.models import UniqueConstraint

    return any(
        isinstance(c, UniqueConstraint) and list(c.fields) != ["tenant", "id"]
        for c in model._meta.constraints
    ) or any(f.unique and not f.primary_key for f in model._meta.concrete_fields)


def _count(model, tenant) -> int:
    manager = model._default_manager
    return manager.for_tenant(tenant).count() if issubclass(model, TenantOwned) else manager.count()


@pytest.mark.parametrize("model", _admins(), ids=lambda m: m._meta.label)
def test_admin_forms_answer_garbage_without_a_500(client, tenant, tenant_admin, model):
    login_as(client, tenant_admin)
    client.raise_request_exception = False  # record a 500 and go on, to list them all
    object_id = _object_id(model, tenant, tenant_admin)
    base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    crashes: list[str] = []

    def check(response, what: str) -> None:
        if response.status_code not in OK:
            crashes.append(f"{what}: {response.status_code}")

    for url in (f"{base}add/", f"{base}{object_id}/change/"):
        page = client.get(url)
        check(page, f"GET {url}")
        body = page.content.decode(errors="replace") if page.status_code == 200 else ""
        fields = sorted({f for f in FIELD.findall(body) if f != "csrfmiddlewaretoken"})
        good = _form_values(body)
        for value in GARBAGE:
            check(client.post(url, dict.fromkeys(fields, value)), f"POST {url} all={value[:12]!r}")
        for value in PER_FIELD:  # one bad field among good ones reaches what a blanket misses
            for field in fields:
                check(client.post(url, {**good, field: value}), f"POST {url} {field}={value!r}")
        for field in fields:
            check(client.get(url, {field: "a\u00b2"}), f"GET {url}?{field}=")
    # A copy of an existing row posted as new: every unique value duplicated.
    change = client.get(f"{base}{object_id}/change/")
    if change.status_code == 200:
        before = _count(model, tenant)
        answer = client.post(f"{base}add/", _form_values(change.content.decode()))
        check(answer, f"POST {base}add/ duplicate")
        if _has_unique_values(model):
            assert _count(model, tenant) == before, "a duplicate was saved"
    assert not crashes, "\n".join(crashes)


def test_duplicate_unique_values_are_form_errors(client, tenant, tenant_admin):
    """Category keys and canned response titles are unique per tenant: a duplicate posted in
    the admin is a field error, and the same key in another tenant is fine."""
    from tickets.models import CannedResponse, Category

    login_as(client, tenant_admin)
    Category.objects.create(tenant=tenant, key="billing", name="Billing")
    CannedResponse.objects.create(tenant=tenant, title="Thanks", body="Thank you.")
    category = {"key": "billing", "name": "Again", "guidance": "", "order": "0"}
    duplicate = client.post("/admin/tickets/category/add/", category)
    assert duplicate.status_code == 200 and b"already exists" in duplicate.content
    canned = client.post("/admin/tickets/cannedresponse/add/", {"title": "Thanks", "body": "x"})
    assert canned.status_code == 200 and b"already exists" in canned.content
    assert Category.objects.for_tenant(tenant).count() == 1
    fresh = client.post("/admin/tickets/category/add/", {**category, "key": "sales"})
    assert fresh.status_code == 302
