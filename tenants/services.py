"""Writes on people, their memberships and API tokens, and client organisations' contacts.

Views, the API and the admin call these; nothing else changes a password, deactivates a user or
issues a token, so the rule "a new password ends every API token" holds on every path.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .links import tenant_url
from .models import ApiToken, Customer, Membership, Tenant, User, validate_time_zone
from .roles import CLIENT_ROLES, Role

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


def _active_admins(*, tenant: Tenant) -> Any:
    return Membership.objects.for_tenant(tenant).filter(role=Role.TENANT_ADMIN, is_active=True)


def _admins_locked(*, tenant: Tenant) -> list[int]:
    """Lock the tenant's active admins' rows (in id order) and return their ids. Every change
    that can touch the admin set takes this lock first, before the member's own row: two
    admins demoting each other at once then queue instead of both passing (or deadlocking)."""
    admins = _active_admins(tenant=tenant).order_by("pk").select_for_update()
    return list(admins.values_list("pk", flat=True))


def _keep_one_admin(*, admins: list[int], membership: Membership, field: str) -> None:
    """Refuse a change that would leave the tenant without an active tenant admin."""
    if membership.pk in admins and len(admins) == 1:
        raise ValidationError({field: "The tenant must keep at least one active tenant admin."})


def _lock(*, tenant: Tenant, membership: Membership) -> Membership:
    # A membership of another tenant is a 404, exactly like a missing one.
    locked = (
        Membership.objects.for_tenant(tenant)
        .select_for_update()
        .select_related("user")
        .filter(pk=membership.pk)
        .first()
    )
    if locked is None:
        raise Http404("No such member.")
    return locked


@transaction.atomic
def membership_update(
    *,
    tenant: Tenant,
    membership: Membership,
    role: str,
    tier: int | None,
    actor: User | None,
    customer: Customer | None = None,
) -> Membership:
    """Change a member's role (and tier, for staff; customer, for clients).

    Rules: a tenant keeps at least one active tenant admin (so the last one cannot demote
    themselves); client roles need a customer of this tenant, staff roles have none; only staff
    have a tier. `customer` defaults to the member's current one.
    """
    admins = _admins_locked(tenant=tenant)
    locked = _lock(tenant=tenant, membership=membership)
    if role not in Role.values:
        raise ValidationError({"role": f"{role!r} is not a role."})
    if role in CLIENT_ROLES:
        customer = customer if customer is not None else locked.customer
        if customer is None:
            raise ValidationError({"customer": "A client belongs to a customer organisation."})
        if customer.tenant_id != tenant.pk:
            raise ValidationError({"customer": "Pick one of your customer organisations."})
        if tier is not None:
            raise ValidationError({"tier": "Only staff have a tier."})
    else:
        customer = None
        if tier is not None and tier not in (1, 2, 3):
            raise ValidationError({"tier": "Tier 1, 2 or 3."})
    if locked.role == Role.TENANT_ADMIN and role != Role.TENANT_ADMIN:
        _keep_one_admin(admins=admins, membership=locked, field="role")
    locked.role, locked.tier, locked.customer = role, tier, customer
    locked.save(update_fields=["role", "tier", "customer"])
    membership.role, membership.tier, membership.customer = role, tier, customer
    return locked


@transaction.atomic
def membership_deactivate(*, tenant: Tenant, membership: Membership) -> None:
    """The person loses access to this tenant: their sessions here end on their next request
    (the membership's session epoch moves on; tenants.middleware) and their tokens on it are
    revoked. The last active tenant admin cannot be deactivated."""
    admins = _admins_locked(tenant=tenant)
    locked = _lock(tenant=tenant, membership=membership)
    if locked.role == Role.TENANT_ADMIN and locked.is_active:
        _keep_one_admin(admins=admins, membership=locked, field="is_active")
    Membership.objects.for_tenant(tenant).filter(pk=locked.pk).update(
        is_active=False, session_epoch=F("session_epoch") + 1
    )
    membership.is_active = False
    membership.session_epoch = locked.session_epoch + 1
    api_tokens_revoke_all(tenant=tenant, user=locked.user)


@transaction.atomic
def membership_reactivate(*, tenant: Tenant, membership: Membership) -> None:
    """Access again; sessions and tokens from before the deactivation stay ended."""
    locked = _lock(tenant=tenant, membership=membership)
    Membership.objects.for_tenant(tenant).filter(pk=locked.pk).update(is_active=True)
    membership.is_active = True


@transaction.atomic
def colleague_deactivate(
    *, tenant: Tenant, customer: Customer, membership: Membership, actor: User
) -> None:
    """A client admin deactivates someone of their own organisation (anyone else is a 404).
    The organisation keeps at least one active client admin."""
    if membership.tenant_id != tenant.pk or membership.customer_id != customer.pk:
        raise Http404("No such colleague.")
    client_admins = list(
        Membership.objects.for_tenant(tenant)
        .select_for_update()
        .filter(customer=customer, role=Role.CLIENT_ADMIN, is_active=True)
        .values_list("pk", flat=True)
    )
    if membership.pk in client_admins and len(client_admins) == 1:
        raise ValidationError(
            {"membership": "Your organisation must keep at least one active client admin."}
        )
    membership_deactivate(tenant=tenant, membership=membership)


@transaction.atomic
def client_contact_create(
    *, tenant: Tenant, customer: Customer, email: str, name: str = ""
) -> Membership:
    """A client contact of `customer` for an address (e.g. an email sender), without a
    password: they sign in after a reset. An address that already has a membership here keeps
    it (it must be an active client's); a user of another tenant gets a client membership
    here only through this explicit call by the tenant's own intake."""
    if customer.tenant_id != tenant.pk:
        raise Http404("No such customer.")
    email = User.objects.normalize_email(email).strip().lower()
    # Stored addresses are lower-case (User.save): an exact match. Not `iexact`: PostgreSQL's
    # UPPER() folds look-alikes together (UPPER('ı') = 'I'), so pat@maıl.example, a domain
    # anyone may register, would be given pat@mail.example's account.
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=None, full_name=name[:200])
    membership, _ = Membership.objects.for_tenant(tenant).get_or_create(
        tenant=tenant, user=user,
        defaults={"role": Role.CLIENT, "customer": customer, "address_unproven": True},
    )  # fmt: skip
    if not membership.is_client or not membership.is_active:
        raise ValidationError({"requester": "This address belongs to a staff member."})
    return membership


def membership_address_proven(*, membership: Membership) -> None:
    """A contact the email intake made has signed in: the address is theirs."""
    Membership.objects.for_tenant(membership.tenant).filter(pk=membership.pk).update(
        address_unproven=False
    )
    membership.address_unproven = False


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
    users = User.objects.filter(email=email.strip().lower(), is_active=True, id__in=member_ids)
    sent = 0
    # A member without a password (a contact the email intake made) is sent one too: the
    # link reaches only the mailbox, so following it is how such a person first signs in.
    for user in users:
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


def _domains_clean(domains: list[str]) -> list[str]:
    cleaned = []
    for raw in domains:
        domain = raw.strip().lower().lstrip("@").rstrip(".")
        if not domain:
            continue
        if not _DOMAIN_RE.match(domain):
            raise ValidationError({"email_domains": f"{raw!r} is not a domain name."})
        if domain not in cleaned:
            cleaned.append(domain)
    return cleaned


_DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


@transaction.atomic
def customer_save(
    *,
    tenant: Tenant,
    customer: Customer | None,
    name: str,
    plan: Any,  # sla.Plan (tenants sits below sla and does not import it)
    email_domains: list[str],
    account_manager: Membership | None,
    primary_contact: Membership | None = None,
    secondary_contact: Membership | None = None,
) -> Customer:
    """Create (customer=None) or edit a client organisation of `tenant`.

    The plan is one of the tenant's; the account manager an active staff member; the contacts
    active clients of this organisation; an email domain belongs to one customer only (inbound
    mail from it is filed under that customer).
    """
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the organisation a name."})
    if plan.tenant_id != tenant.pk:
        raise ValidationError({"plan": "Pick one of your plans."})
    others = Customer.objects.for_tenant(tenant)
    if customer is not None:
        if customer.tenant_id != tenant.pk:
            raise Http404("No such customer.")
        others = others.exclude(pk=customer.pk)
    if others.filter(name__iexact=name).exists():
        raise ValidationError({"name": "Another customer has this name."})
    domains = _domains_clean(email_domains)
    taken = others.filter(email_domains__overlap=domains).first() if domains else None
    if taken is not None:
        raise ValidationError({"email_domains": f"Already a domain of {taken.name}."})
    if account_manager is not None and not (
        account_manager.tenant_id == tenant.pk
        and account_manager.is_active
        and account_manager.is_staff_member
    ):
        raise ValidationError({"account_manager": "Choose an active staff member."})
    for field, member in (("primary_contact", primary_contact),
                          ("secondary_contact", secondary_contact)):  # fmt: skip
        if member is not None and not (
            customer is not None
            and member.tenant_id == tenant.pk
            and member.customer_id == customer.pk
            and member.is_active
        ):
            raise ValidationError({field: "Choose an active member of this organisation."})
    if (
        primary_contact is not None
        and secondary_contact is not None
        and (primary_contact.pk == secondary_contact.pk)
    ):
        raise ValidationError(
            {"secondary_contact": "Choose someone other than the primary contact."}
        )
    target = customer if customer is not None else Customer(tenant=tenant)
    target.name, target.plan, target.email_domains = name, plan, domains
    target.account_manager = account_manager
    target.primary_contact, target.secondary_contact = primary_contact, secondary_contact
    target.save()
    return target
