"""Resolve the tenant once per request (from the host) and the user's membership in it."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.template import loader

from .models import Membership, Tenant
from .scoping import request_scope


def tenant_for_host(host: str) -> Tenant | None | bool:
    """The tenant a host names; None for the bare site domain; False for an unknown host."""
    host = host.split(":", 1)[0].lower().rstrip(".")
    domain = settings.HELPDESK_DOMAIN
    if host in (domain, "testserver", "127.0.0.1"):
        return None
    if host.endswith(f".{domain}"):
        slug = host.removesuffix(f".{domain}")
        tenant = Tenant.objects.filter(slug=slug, is_active=True).first()
    else:
        tenant = Tenant.objects.filter(custom_domain__iexact=host, is_active=True).first()
    return tenant or False


class TenantMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tenant = tenant_for_host(request.get_host())
        if tenant is False:
            body = loader.render_to_string("404_unknown_host.html", request=request)
            return HttpResponseNotFound(body)
        request.tenant = tenant
        request.membership = None
        with request_scope():
            return self.get_response(request)


class MembershipMiddleware:
    """A signed-in user who is not a member of this host's tenant is anonymous here."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tenant = getattr(request, "tenant", None)
        user = request.user
        if tenant is not None and user.is_authenticated:
            membership = membership_for(tenant=tenant, user=user)
            if membership is None:
                request.user = AnonymousUser()
            request.membership = membership
        return self.get_response(request)


def membership_for(*, tenant: Tenant, user: object) -> Membership | None:
    return (
        Membership.objects.for_tenant(tenant)
        .select_related("user", "customer", "customer__plan")
        .filter(user=user, is_active=True)
        .first()
    )
