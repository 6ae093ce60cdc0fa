"""Tenant isolation over every route, found automatically.

Every URL pattern of the project is enumerated (new routes are covered without editing this
file). For each pattern:
- anonymous visitors on the tenant's host are sent to sign in (pages), refused (API, 401/403),
  unless the route is public;
- a staff member of another tenant, on their own host, asking for this tenant's objects by
  their keys, gets a 404;
- and list pages shown to that member never contain this tenant's data.

URL keyword arguments are filled from `URL_OBJECTS` registries (tests/<app>/url_objects.py):
each maps a kwarg name to a function creating an object in a tenant and returning the value.
A route with a kwarg no registry knows fails the test, so a new kind of object cannot slip by.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass

import pytest
from django.contrib.admin.sites import site as admin_site
from django.urls import URLPattern, URLResolver, get_resolver

import tests
from tenants.scoping import TenantOwned
from tests.conftest import host, login_as

PUBLIC_NAMES = {
    "accounts:login",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
    "accounts:invitation_accept",  # the invited person is not signed in yet (own tests)
    "accounts:logout",
    "admin:login",
    "admin:logout",
    "healthz",
    "api-token",
    "api-schema",
    "api-docs",
    "api-redoc",
    "kb:index",  # public help articles are readable without signing in (own tests)
    "kb:article",
    "kb:feedback",
}
PUBLIC_PREFIXES = ("policy/", "static/", "webhooks/", "inbound/", "anymail/", "satisfaction/")
SKIP_KWARGS = {"format"}  # DRF's format-suffix twins of routes already checked


@dataclass(frozen=True)
class Route:
    path: str  # e.g. "api/tickets/<reference>/"
    name: str
    kwargs: tuple[str, ...]
    is_admin: bool
    admin_model: type | None


def _walk(patterns, prefix="", namespace="", admin=False):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}{entry.namespace}:"
            yield from _walk(
                entry.url_patterns,
                prefix + str(entry.pattern),
                ns,
                admin or entry.app_name == "admin",
            )
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            kwargs = tuple(re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", route)) and tuple(
                a or b for a, b in re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", route)
            )
            model_admin = getattr(entry.callback, "model_admin", None)
            yield Route(
                path=route,
                name=f"{namespace}{entry.name or ''}",
                kwargs=kwargs or (),
                is_admin=admin,
                admin_model=model_admin.model if model_admin else None,
            )


def all_routes() -> list[Route]:
    return [r for r in _walk(get_resolver().url_patterns) if not SKIP_KWARGS & set(r.kwargs)]


def url_object_factories() -> dict:
    registry = {}
    for module in pkgutil.iter_modules(tests.__path__):
        try:
            found = importlib.import_module(f"tests.{module.name}.url_objects")
        except ModuleNotFoundError:
            continue
        registry.update(found.URL_OBJECTS)
    return registry


def is_public(route: Route) -> bool:
    return route.name in PUBLIC_NAMES or route.path.startswith(PUBLIC_PREFIXES)


def fill(route: Route, values: dict[str, str]) -> str:
    path = route.path.lstrip("^").rstrip("$")
    for kwarg in route.kwargs:
        path = re.sub(rf"<(?:\w+:)?{kwarg}>|\(\?P<{kwarg}>[^)]*\)", str(values[kwarg]), path)
    path = path.replace("\\", "")
    return "/" + path


def _admin_object_id(route: Route, tenant) -> str:
    model = route.admin_model
    if not issubclass(model, TenantOwned):
        return "1"  # site-wide models: superusers only, on the bare domain
    registry = url_object_factories()
    key = f"admin:{model._meta.label_lower}"
    if key in registry:
        return str(registry[key](tenant))
    pytest.fail(f"No object factory for the admin of {model._meta.label}: add {key!r} to a "
                "tests/<app>/url_objects.py URL_OBJECTS")


def test_every_tenant_owned_model_admin_is_tenant_scoped():
    from helpdesk.admin import TenantScopedAdmin

    for model, model_admin in admin_site._registry.items():
        if issubclass(model, TenantOwned):
            assert isinstance(model_admin, TenantScopedAdmin), model


def test_routes_were_found():
    names = {r.name for r in all_routes()}
    assert "accounts:login" in names and "home" in names
    assert len(names) > 10


@pytest.mark.django_db
def test_anonymous_visitors_must_sign_in_for_every_private_route(client, tenant):
    registry = url_object_factories()
    failures = []
    for route in all_routes():
        if is_public(route):
            continue
        values = {}
        for kwarg in route.kwargs:
            if route.is_admin:
                values[kwarg] = _admin_value(route, kwarg, tenant)
            elif kwarg in registry:
                values[kwarg] = registry[kwarg](tenant)
            else:
                failures.append(f"{route.path}: no URL_OBJECTS entry for <{kwarg}>")
                break
        else:
            url = fill(route, values)
            response = client.get(url, HTTP_HOST=host(tenant))
            location = response.get("Location", "")
            if route.path.startswith("api/"):
                ok = response.status_code in (401, 403)
            elif route.is_admin:
                ok = response.status_code in (302, 404) and (
                    response.status_code == 404 or "/admin/login/" in location
                )
            else:
                ok = response.status_code == 302 and "/accounts/login/" in location
            if not ok:
                failures.append(f"{url}: {response.status_code} {location}")
    assert not failures, "\n".join(failures)


def _admin_value(route: Route, kwarg: str, tenant) -> str:
    if kwarg == "object_id" and route.admin_model is not None:
        return _admin_object_id(route, tenant)
    if kwarg == "app_label":
        return route.admin_model._meta.app_label if route.admin_model else "tenants"
    if kwarg in ("content_type_id",):
        return "1"
    return "x"


@pytest.mark.django_db
def test_another_tenants_member_gets_404_for_this_tenants_objects(client, tenant, outsider):
    """The outsider is a tenant admin of `other_tenant`, asking on their own host."""
    registry = url_object_factories()
    login_as(client, outsider)
    failures = []
    checked = 0
    for route in all_routes():
        if not route.kwargs or route.name in PUBLIC_NAMES:
            continue
        if route.is_admin:
            model = route.admin_model
            if model is None or not issubclass(model, TenantOwned) or route.kwargs != (
                "object_id",
            ):
                continue
            if route.path.endswith("<path:object_id>/"):
                continue  # Django's redirect to .../change/, which is checked itself
            values = {"object_id": _admin_object_id(route, tenant)}
        else:
            missing = [k for k in route.kwargs if k not in registry]
            if missing:
                failures.append(f"{route.path}: no URL_OBJECTS entry for {missing}")
                continue
            values = {k: registry[k](tenant) for k in route.kwargs}
        url = fill(route, values)
        for method in ("get", "post"):
            response = getattr(client, method)(url, HTTP_HOST=host(outsider.tenant))
            checked += 1
            if response.status_code not in (404, 405):
                failures.append(f"{method.upper()} {url}: {response.status_code}")
    assert not failures, "\n".join(failures)
    assert checked > 0


@pytest.mark.django_db
def test_list_pages_never_show_another_tenants_data(client, tenant, outsider):
    registry = url_object_factories()
    for kwarg, make in registry.items():
        if not kwarg.startswith("admin:"):
            make(tenant)
    marker = tenant.name.encode()
    login_as(client, outsider)
    leaks = []
    for route in all_routes():
        if route.kwargs or route.is_admin and route.path.endswith("delete/"):
            continue
        response = client.get(fill(route, {}), HTTP_HOST=host(outsider.tenant))
        body = getattr(response, "content", b"")
        if response.status_code == 200 and marker in body:
            leaks.append(route.path)
    assert not leaks, leaks
