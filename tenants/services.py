"""Writes on people, their memberships and API tokens, and client organisations' contacts.

Views, the API and the admin call these; nothing else changes a password, deactivates a user or
issues a token, so the rule "a new password ends every API token" holds on every path.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .links import tenant_url
from .models import ApiToken, Customer, Membership, Tenant, User, validate_time_zone

# last_used_at is for the person's overview, not an audit trail: writing it on every request
# would turn each API read into a write; once a minute is precise enough to spot a stale token.
LAST_USED_PRECISION = timedelta(minutes=1)


# --- API tokens --------------------------------------------------------------------------------


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_create(
    *, tenant: Tenant, user: User, name: str = "", at: datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token for `user` on `tenant`'s host; returns it and its key, which is shown once
    (only its hash is kept). Lives API_TOKEN_TTL_DAYS."""
    now = at or timezone.now()
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        tenant=tenant,
        user=user,
        name=name[:100],
        prefix=key[:8],
        key_hash=_key_hash(key),
        created_at=now,
        expires_at=now + timedelta(days=settings.API_TOKEN_TTL_DAYS),
    )
    return token, key


def api_token_authenticate(
    *, tenant: Tenant, key: str, at: datetime | None = None
) -> ApiToken | None:
    """The live token with this key on this tenant (its user joined), or None: unknown,
    another tenant's, expired, revoked, or its user deactivated."""
    now = at or timezone.now()
    token = (
        ApiToken.objects.for_tenant(tenant)
        .select_related("user")
        .filter(key_hash=_key_hash(key), revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        token.last_used_at = now
        ApiToken.objects.for_tenant(tenant).filter(pk=token.pk).update(last_used_at=now)
    return token


def api_tokens_of(*, tenant: Tenant, user: User) -> list[ApiToken]:
    """The person's tokens on this tenant that have not been revoked (expired ones included,
    marked so by `is_live`), newest first."""
    return list(ApiToken.objects.for_tenant(tenant).filter(user=user, revoked_at__isnull=True))


def api_token_revoke(
    *, tenant: Tenant, user: User, token_id: int, at: datetime | None = None
) -> None:
    """Revoke one of the person's own tokens; anyone else's (or a missing one) is a 404."""
    revoked = (
        ApiToken.objects.for_tenant(tenant)
        .filter(pk=token_id, user=user, revoked_at__isnull=True)
        .update(revoked_at=at or timezone.now())
    )
    if not revoked:
        raise Http404("No such token.")


def api_tokens_revoke_all(*, tenant: Tenant, user: User, at: datetime | None = None) -> int:
    """Revoke every token the person holds on this tenant; returns how many."""
    return (
        ApiToken.objects.for_tenant(tenant)
        .filter(user=user, revoked_at__isnull=True)
        .update(revoked_at=at or timezone.now())
    )


def _api_tokens_revoke_cross_tenant(*, user: User, at: datetime | None = None) -> int:
    # A password belongs to the person, not to one tenant: changing it ends their tokens on
    # every tenant they belong to.
    return (
        ApiToken.objects.cross_tenant()
        .filter(user=user, revoked_at__isnull=True)
        .update(revoked_at=at or timezone.now())
    )


# --- People ------------------------------------------------------------------------------------


@transaction.atomic
def user_password_set(*, user: User, password: str) -> None:
    """Set a new password (a change or a reset) and revoke every API token of the person:
    whoever knew the old password may have minted one. Sessions other than the caller's end by
    themselves (their auth hash no longer matches)."""
    user.set_password(password)
    user.save(update_fields=["password"])
    _api_tokens_revoke_cross_tenant(user=user)


@transaction.atomic
def user_deactivate(*, user: User) -> None:
    """The person can no longer sign in anywhere, and every API token of theirs is revoked.
    (The admin's user deactivation calls this.)"""
    user.is_active = False
    user.save(update_fields=["is_active"])
    _api_tokens_revoke_cross_tenant(user=user)


@transaction.atomic
def membership_deactivate(*, tenant: Tenant, membership: Membership) -> None:
    """The person loses access to this tenant, and their tokens on it are revoked."""
    Membership.objects.for_tenant(tenant).filter(pk=membership.pk).update(is_active=False)
    membership.is_active = False
    api_tokens_revoke_all(tenant=tenant, user=membership.user)


def profile_update(*, user: User, full_name: str, time_zone: str) -> User:
    """A person's own name and the zone their deadlines are shown in."""
    if time_zone:
        validate_time_zone(time_zone)
    user.full_name = full_name
    user.time_zone = time_zone
    user.save(update_fields=["full_name", "time_zone"])
    return user


def password_reset_send(*, tenant: Tenant, email: str) -> int:
    """Mail a reset link to each active member of `tenant` with this address (normally one);
    returns how many were sent. The link is on the tenant's canonical host (tenants.links),
    whatever host the request came in on. Nothing tells the caller whether anyone matched."""
    member_ids = Membership.objects.for_tenant(tenant).filter(is_active=True).values("user_id")
    users = User.objects.filter(email__iexact=email.strip(), is_active=True, id__in=member_ids)
    sent = 0
    for user in users:
        if not user.has_usable_password():
            continue
        path = reverse(
            "accounts:password_reset_confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
        context = {
            "email": user.email,
            "site_name": tenant.name,
            "reset_url": tenant_url(tenant, path),
        }
        subject = render_to_string("accounts/password_reset_subject.txt", context)
        body = render_to_string("accounts/password_reset_email.txt", context)
        send_mail(" ".join(subject.split()), body, None, [user.email])
        sent += 1
    return sent


# --- Client organisations ----------------------------------------------------------------------


def contacts_update(
    *,
    tenant: Tenant,
    customer: Customer,
    primary_contact: Membership,
    secondary_contact: Membership | None,
) -> Customer:
    """A client admin names the organisation's primary and secondary support contacts (the
    form offers only them; checked again here for every other caller)."""
    for field, member in (
        ("primary_contact", primary_contact),
        ("secondary_contact", secondary_contact),
    ):
        if member is not None and not (
            member.tenant_id == tenant.pk
            and member.customer_id == customer.pk
            and member.is_active
            and member.is_client
        ):
            raise ValidationError({field: "Choose an active member of this organisation."})
    if secondary_contact is not None and secondary_contact.pk == primary_contact.pk:
        raise ValidationError(
            {"secondary_contact": "Choose someone other than the primary contact."}
        )
    customer.primary_contact = primary_contact
    customer.secondary_contact = secondary_contact
    Customer.objects.for_tenant(tenant).filter(pk=customer.pk).update(
        primary_contact=primary_contact, secondary_contact=secondary_contact
    )
    return customer
