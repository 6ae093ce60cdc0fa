"""Invitations: the only way a person joins a tenant from its back office.

A tenant admin names an email address and a role; the person receives a link (signed,
expiring, built on the tenant's canonical host) and accepts it explicitly: an existing user by
signing in with their own password on the accept page, a new person by choosing a password.
Until then nothing about them changes, and the tenant learns nothing about them either (the
same answer whether or not the address has an account elsewhere).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from .models import Customer, Invitation, Membership, Tenant, User
from .roles import CLIENT_ROLES, STAFF_ROLES, Role

INVITATION_VALID_FOR = timedelta(days=7)
_SALT = "tenants.invitation"


class InvitationError(ValueError):
    """An invitation that cannot be made or accepted; the message is for the person."""


@dataclass(frozen=True)
class InvitationLink:
    invitation: Invitation
    token: str
    url: str


def canonical_host(tenant: Tenant) -> str:
    """The tenant's own host name: its custom domain, else `<slug>.<HELPDESK_DOMAIN>`."""
    return tenant.custom_domain.lower() or f"{tenant.slug}.{settings.HELPDESK_DOMAIN}"


def tenant_url(tenant: Tenant, path: str) -> str:
    """An absolute link for an email, from configuration, never from a request's Host."""
    scheme = "http" if settings.DEBUG else "https"
    return f"{scheme}://{canonical_host(tenant)}{path}"


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=_SALT, compress=True)


def _check_role(*, tenant: Tenant, role: str, tier: int | None, customer: Customer | None) -> None:
    if role not in Role.values:
        raise InvitationError(f"{role!r} is not a role.")
    if role in CLIENT_ROLES and customer is None:
        raise InvitationError("A client belongs to a customer organisation: pick one.")
    if role in STAFF_ROLES and customer is not None:
        raise InvitationError("Only client roles belong to a customer organisation.")
    if customer is not None and customer.tenant_id != tenant.pk:
        raise InvitationError("Pick one of your customer organisations.")
    if tier is not None and role not in STAFF_ROLES:
        raise InvitationError("Only staff have a tier.")


@transaction.atomic
def invitation_create(
    *,
    tenant: Tenant,
    email: str,
    role: str,
    invited_by: User | None,
    tier: int | None = None,
    customer: Customer | None = None,
) -> InvitationLink:
    """Invite `email` to `tenant` as `role` and email the link (after commit).

    Inviting an address with a pending invitation replaces its terms and its link (a new
    nonce: the old link stops working). A current member cannot be invited again.
    """
    email = User.objects.normalize_email(email).strip().lower()
    if not email:
        raise InvitationError("Give an email address.")
    _check_role(tenant=tenant, role=role, tier=tier, customer=customer)
    if Membership.objects.for_tenant(tenant).filter(user__email=email).exists():
        raise InvitationError(f"{email} is already a member here.")
    now = timezone.now()
    terms = {
        "role": role, "tier": tier, "customer": customer, "invited_by": invited_by,
        "nonce": secrets.token_hex(16), "created_at": now,
        "expires_at": now + INVITATION_VALID_FOR,
    }  # fmt: skip
    pending = Invitation.objects.for_tenant(tenant).filter(email=email, accepted_at__isnull=True)
    invitation = pending.select_for_update().first()
    if invitation is None:
        invitation = Invitation.objects.create(tenant=tenant, email=email, **terms)
    else:
        for name, value in terms.items():
            setattr(invitation, name, value)
        invitation.save()
    token = invitation_token(invitation)
    link = InvitationLink(invitation, token, tenant_url(tenant, f"/accounts/invitations/{token}/"))
    transaction.on_commit(lambda: _send(link, tenant))
    return link


def _send(link: InvitationLink, tenant: Tenant) -> None:
    context = {"tenant": tenant, "invitation": link.invitation, "url": link.url,
               "valid_days": INVITATION_VALID_FOR.days}  # fmt: skip
    subject = render_to_string("tenants/invitation_subject.txt", context).strip()
    body = render_to_string("tenants/invitation_email.txt", context)
    send_mail(subject, body, None, [link.invitation.email])


def invitation_for_token(*, tenant: Tenant, token: str) -> Invitation:
    """The pending invitation a token names, on this tenant; InvitationError otherwise (one
    message for a forged, expired, used, replaced or other tenant's link)."""
    invalid = InvitationError("This invitation link is not valid any more. Ask for a new one.")
    try:
        data = signing.loads(token, salt=_SALT, max_age=INVITATION_VALID_FOR)
        pk, nonce = int(data["i"]), str(data["n"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise invalid from None
    invitation = (
        Invitation.objects.for_tenant(tenant)
        .filter(pk=pk, nonce=nonce, accepted_at__isnull=True, expires_at__gt=timezone.now())
        .select_related("customer")
        .first()
    )
    if invitation is None:
        raise invalid
    return invitation


def existing_user(invitation: Invitation) -> User | None:
    return User.objects.filter(email=invitation.email.strip().lower()).first()


@transaction.atomic
def invitation_accept(
    *, tenant: Tenant, invitation: Invitation, user: User | None = None, password: str = ""
) -> Membership:
    """Make the invited person a member: `user` (already authenticated as the invited address
    by the caller) or, for an address with no account yet, a new user with `password`.

    Race-free: the pending row is locked, and a second acceptance finds it accepted.
    """
    locked = (
        Invitation.objects.for_tenant(tenant)
        .select_for_update()
        .filter(pk=invitation.pk, nonce=invitation.nonce, accepted_at__isnull=True)
        .first()
    )
    if locked is None:
        raise InvitationError("This invitation has already been used.")
    if user is None:
        if existing_user(locked) is not None:
            raise InvitationError("This address has an account: sign in to accept.")
        user = User.objects.create_user(email=locked.email, password=password)
    elif user.email.lower() != locked.email.lower():
        raise InvitationError("This invitation is for another address.")
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                tenant=tenant, user=user, role=locked.role, tier=locked.tier,
                customer=locked.customer,
            )  # fmt: skip
    except IntegrityError:
        raise InvitationError("You are already a member here.") from None
    locked.accepted_at = timezone.now()
    locked.accepted_by = user
    locked.save(update_fields=["accepted_at", "accepted_by"])
    return membership


def invitation_resend(
    *, tenant: Tenant, invitation: Invitation, actor: User | None
) -> InvitationLink:
    """Send a pending invitation again with a fresh link and expiry (the old link dies)."""
    return invitation_create(
        tenant=tenant, email=invitation.email, role=invitation.role, tier=invitation.tier,
        customer=invitation.customer, invited_by=actor,
    )  # fmt: skip


def invitation_cancel(*, tenant: Tenant, invitation: Invitation) -> None:
    """Withdraw a pending invitation: its link stops working at once."""
    Invitation.objects.for_tenant(tenant).filter(
        pk=invitation.pk, accepted_at__isnull=True
    ).delete()
