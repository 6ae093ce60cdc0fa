"""Reads on people and client organisations."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from .bulk import columns_of, select_joined
from .models import Customer, Invitation, Membership, Tenant, User
from .roles import CLIENT_ROLES, STAFF_ROLES, Role


def members_list(
    *,
    tenant: Tenant,
    kind: str = "",
    role: str = "",
    customer: Customer | None = None,
    active: bool | None = None,
) -> QuerySet[Membership]:
    """The tenant's members, filtered: kind "staff" or "clients", a role, a customer, active or
    not."""
    members = Membership.objects.for_tenant(tenant).select_related("user", "customer")
    if kind == "staff":
        members = members.filter(role__in=sorted(STAFF_ROLES))
    elif kind == "clients":
        members = members.filter(role__in=sorted(CLIENT_ROLES))
    if role:
        members = members.filter(role=role)
    if customer is not None:
        members = members.filter(customer=customer)
    if active is not None:
        members = members.filter(is_active=active)
    return members.order_by("user__email")


def member_get(*, tenant: Tenant, pk: int, customer: Customer | None = None) -> Membership:
    """One member of the tenant (of `customer`, when given); anyone else is a 404."""
    members = Membership.objects.for_tenant(tenant).select_related("user", "customer")
    if customer is not None:
        members = members.filter(customer=customer)
    member = members.filter(pk=pk).first()
    if member is None:
        raise Http404("No such member.")
    return member


def invitations_pending(
    *, tenant: Tenant, customer: Customer | None = None
) -> QuerySet[Invitation]:
    """Invitations not yet accepted (expired ones included: they can be sent again)."""
    pending = (
        Invitation.objects.for_tenant(tenant)
        .filter(accepted_at__isnull=True)
        .select_related("customer", "invited_by")
    )
    if customer is not None:
        pending = pending.filter(customer=customer)
    return pending.order_by("email")


def invitation_get(*, tenant: Tenant, pk: int, customer: Customer | None = None) -> Invitation:
    invitation = invitations_pending(tenant=tenant, customer=customer).filter(pk=pk).first()
    if invitation is None:
        raise Http404("No such invitation.")
    return invitation


def invitation_expired(invitation: Invitation) -> bool:
    return invitation.expires_at <= timezone.now()


def customer_get(*, tenant: Tenant, pk: int) -> Customer:
    customer = Customer.objects.for_tenant(tenant).filter(pk=pk).first()
    if customer is None:
        raise Http404("No such customer.")
    return customer


def customers_list(*, tenant: Tenant) -> QuerySet[Customer]:
    return Customer.objects.for_tenant(tenant).select_related(
        "plan", "account_manager__user", "primary_contact__user", "secondary_contact__user"
    )


def organisation_notice_recipients(*, tenant: Tenant, customer: Customer) -> list[User]:
    """Who receives an organisation-wide notice: the organisation's active client admins and
    its named primary and secondary support contacts (active members only), each once, in a
    stable order (by address). Users who can no longer sign in are left out."""
    if customer.tenant_id != tenant.pk:
        return []
    contact_ids = [pk for pk in (customer.primary_contact_id, customer.secondary_contact_id) if pk]
    members = (
        Membership.objects.for_tenant(tenant)
        .filter(customer=customer, is_active=True, user__is_active=True)
        .filter(Q(role=Role.CLIENT_ADMIN) | Q(pk__in=contact_ids))
        .values("user_id")
    )
    return list(User.objects.filter(pk__in=members).order_by("email"))


_MEMBER_BY_EMAIL_SQL = """
SELECT {membership}, {user}
FROM {membership_table} m JOIN {user_table} u ON u.id = m.user_id
WHERE m.tenant_id = %s AND m.is_active AND {match}
ORDER BY m.role, u.email
LIMIT 1
"""


def active_member_by_email(*, tenant: Tenant, email: str) -> Membership | None:
    """The tenant's active membership of the user with this address (its user loaded), or
    None. Addresses are stored lower-case (User.save): the unique index answers at once. One
    stored otherwise (edited by hand) is still found by LOWER(), a scan of every user, so only
    as the fallback, and only for an ASCII address: never case-blind beyond ASCII, where
    PostgreSQL folds look-alikes together (UPPER('ı') = 'I': mail from pat@maıl.example, a
    domain anyone can register, must not be taken for pat@mail.example). Written out: the
    email intake asks for every message, and the ORM's compilation cost more than the
    statement."""
    if not email:
        return None
    lowered = email.strip().lower()
    matches = [("u.email = %s", lowered)]
    if lowered.isascii():
        matches.append(("LOWER(u.email) = %s", lowered))
    for match, value in matches:
        sql = _MEMBER_BY_EMAIL_SQL.format(
            membership=columns_of(Membership, "m"), user=columns_of(User, "u"),
            membership_table=Membership._meta.db_table, user_table=User._meta.db_table,
            match=match,
        )  # fmt: skip
        for membership, user in select_joined((Membership, User), sql, [tenant.pk, value]):
            membership.user, membership.tenant = user, tenant
            return membership
    return None
