"""Resolve the tenant once per request (from the host) and the user's membership in it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
    load_backend,
)
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save, pre_save
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.template import loader
from django.utils.crypto import constant_time_compare

from .models import Membership, Tenant
from .scoping import request_scope

# Host -> tenant is read on every request and changes almost never. Saving or deleting a tenant
# drops its hosts from the cache at once (in every process when the cache is Redis); the TTL
# bounds what a write that bypasses signals (`QuerySet.update`) or another process's local
# cache can leave behind. Unknown hosts are not cached: anyone can make up host names.
TENANT_CACHE_SECONDS = 30
_TENANT_FIELDS = [f.attname for f in Tenant._meta.concrete_fields]


def _normalise(host: str) -> str:
    return host.split(":", 1)[0].lower().rstrip(".")


def _cache_key(host: str) -> str:
    return f"tenant-host:v1:{host}"


def tenant_hosts(tenant: Tenant) -> list[str]:
    hosts = [f"{tenant.slug}.{settings.HELPDESK_DOMAIN}".lower()]
    if tenant.custom_domain:
        hosts.append(_normalise(tenant.custom_domain))
    return hosts


def _lookup(host: str) -> Tenant | None:
    domain = settings.HELPDESK_DOMAIN
    if host.endswith(f".{domain}"):
        slug = host.removesuffix(f".{domain}")
        return Tenant.objects.filter(slug=slug, is_active=True).first()
    return Tenant.objects.filter(custom_domain__iexact=host, is_active=True).first()


def tenant_for_host(host: str) -> Tenant | None | bool:
    """The tenant a host names; None for the bare site domain; False for an unknown host."""
    host = _normalise(host)
    if host in (settings.HELPDESK_DOMAIN, "testserver", "127.0.0.1"):
        return None
    values = cache.get(_cache_key(host))
    if values is not None:
        # A fresh instance per request: a view that edits request.tenant edits its own copy.
        return Tenant.from_db("default", _TENANT_FIELDS, values)
    tenant = _lookup(host)
    if tenant is None:
        return False
    values = [getattr(tenant, name) for name in _TENANT_FIELDS]
    cache.set(_cache_key(host), values, TENANT_CACHE_SECONDS)
    return tenant


def _forget_old_hosts(sender: type, instance: Tenant, **kwargs: Any) -> None:
    # The hosts it had before this save (a changed slug or domain must stop resolving now).
    if instance.pk is None:
        return
    old = Tenant.objects.filter(pk=instance.pk).first()
    if old is not None:
        cache.delete_many([_cache_key(h) for h in tenant_hosts(old)])


def _forget_hosts(sender: type, instance: Tenant, **kwargs: Any) -> None:
    cache.delete_many([_cache_key(h) for h in tenant_hosts(instance)])


pre_save.connect(_forget_old_hosts, sender=Tenant, dispatch_uid="tenant_host_cache_pre")
post_save.connect(_forget_hosts, sender=Tenant, dispatch_uid="tenant_host_cache_post")
post_delete.connect(_forget_hosts, sender=Tenant, dispatch_uid="tenant_host_cache_delete")


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
        if tenant is not None and not _member_from_session(request, tenant):
            user = request.user
            if user.is_authenticated:
                membership = membership_for(tenant=tenant, user=user)
                if membership is not None and not session_epoch_verified(request, membership):
                    membership = None
                if membership is None:
                    request.user = AnonymousUser()
                request.membership = membership
        return self.get_response(request)


def _member_from_session(request: HttpRequest, tenant: Tenant) -> bool:
    """The session's user and their membership in one query (membership joined to the user).

    Does what `django.contrib.auth.get_user` does for ModelBackend sessions, from the user row
    joined to the membership instead of a query of its own: the user must still be able to
    authenticate, and the session's auth hash must match the user's (a password change signs
    out every other session; a hash made with a fallback secret is upgraded). False when this
    path does not apply (no session user, another backend, not a member here): the caller then
    takes Django's own path, which answers exactly as before.
    """
    session = getattr(request, "session", None)
    if session is None:
        return False
    try:
        user_id = get_user_model()._meta.pk.to_python(session[SESSION_KEY])
        backend_path = session[BACKEND_SESSION_KEY]
    except (KeyError, ValueError, TypeError):
        return False
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return False
    backend = load_backend(backend_path)
    if not isinstance(backend, ModelBackend) or type(backend).get_user is not ModelBackend.get_user:
        return False
    membership = _membership_query(tenant).filter(user_id=user_id).first()
    if membership is None:
        return False
    user = membership.user if backend.user_can_authenticate(membership.user) else None
    if user is not None and not _session_hash_verified(request, user):
        user = None
    if user is not None and not session_epoch_verified(request, membership):
        user = None
    if user is None:
        request._cached_user = request.user = AnonymousUser()
        request.membership = None
    else:
        request._cached_user = request.user = user
        request.membership = membership
    return True


def _session_hash_verified(request: HttpRequest, user: Any) -> bool:
    """`django.contrib.auth.get_user`'s check, line for line (flushes a session that fails)."""
    session = request.session
    session_hash = session.get(HASH_SESSION_KEY)
    session_auth_hash = user.get_session_auth_hash()
    if session_hash and constant_time_compare(session_hash, session_auth_hash):
        return True
    if session_hash and any(
        constant_time_compare(session_hash, fallback_auth_hash)
        for fallback_auth_hash in user.get_session_auth_fallback_hash()
    ):
        session.cycle_key()
        session[HASH_SESSION_KEY] = session_auth_hash
        return True
    session.flush()
    return False


# Ending a person's sessions on one tenant: the session stores "<membership id>:<epoch>" and
# `services.membership_deactivate` bumps the membership's epoch, so a session opened before
# then no longer matches and is flushed on its next request. This costs no query (the epoch
# comes with the membership row already read) and needs no index of sessions per user (the
# cached_db backend cannot list them). Sign-in stamps the session; a session without a stamp
# (opened before this check existed, or by a path that signs in without the form, such as
# accepting an invitation) is accepted only while the membership was never deactivated.
SESSION_EPOCH_KEY = "_membership_epoch"


def session_epoch_stamp(request: HttpRequest, membership: Membership) -> None:
    """Mark the session as opened under the membership's current epoch (at sign-in)."""
    request.session[SESSION_EPOCH_KEY] = f"{membership.pk}:{membership.session_epoch}"


def session_epoch_verified(request: HttpRequest, membership: Membership) -> bool:
    """False (and the session flushed) when the session predates a deactivation."""
    session = getattr(request, "session", None)
    if session is None:
        return True
    stamp = session.get(SESSION_EPOCH_KEY)
    expected = f"{membership.pk}:{membership.session_epoch}"
    if stamp is None and membership.session_epoch == 0:
        # Not stamped now: that would write the session on a request that changes nothing.
        return True
    if stamp == expected:
        return True
    session.flush()
    return False


def _membership_query(tenant: Tenant) -> Any:
    return (
        Membership.objects.for_tenant(tenant)
        .select_related("user", "customer", "customer__plan")
        .filter(is_active=True)
    )


def membership_for(*, tenant: Tenant, user: object) -> Membership | None:
    return _membership_query(tenant).filter(user=user).first()
