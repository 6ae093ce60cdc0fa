from __future__ import annotations

import zoneinfo

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from .constraints import SameTenantForeignKey
from .roles import CLIENT_ROLES, STAFF_ROLES, Role, role_can
from .scoping import TenantOwned

slug_validator = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$",
    "Use lowercase letters, digits and hyphens (it becomes a host name).",
)


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"Unknown time zone {value!r}.")


class Tenant(models.Model):
    """A support provider running its support policy here."""

    slug = models.CharField(max_length=63, unique=True, validators=[slug_validator])
    name = models.CharField(max_length=200)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    custom_domain = models.CharField(max_length=253, blank=True, default="")
    inbound_email = models.EmailField(blank=True, default="")
    reference_prefix = models.CharField(
        max_length=8,
        default="TKT",
        validators=[RegexValidator(r"^[A-Z][A-Z0-9]{0,7}$", "Uppercase letters and digits.")],
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["slug"]
        constraints = [
            models.UniqueConstraint(
                Lower("custom_domain"),
                condition=~models.Q(custom_domain=""),
                name="tenant_custom_domain_uniq",
            )
        ]

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: object) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. The email address is the login; what they may do is per tenant (Membership)."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200, blank=True, default="")
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        default="",
        validators=[validate_time_zone],
        help_text="Times are shown in this zone; empty means the support provider's zone.",
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May use the site-wide Django admin.")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    def __str__(self) -> str:
        return self.full_name or self.email

    def save(self, *args: object, **kwargs: object) -> None:
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    @property
    def address_proven(self) -> bool:
        """Whether this person has shown they read mail at `email`: they set a password (an
        invitation or a reset link reaches only that mailbox) or signed in. A contact the email
        intake made from a From header, which anyone can forge, has done neither: mail to it
        must not repeat text the sender wrote (spam relay)."""
        return self.has_usable_password() or self.last_login is not None


class Customer(TenantOwned):
    """A client organisation of a tenant, on one of the tenant's plans."""

    name = models.CharField(max_length=200)
    plan = models.ForeignKey("sla.Plan", on_delete=models.PROTECT, related_name="customers")
    primary_contact = models.ForeignKey(
        "tenants.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    secondary_contact = models.ForeignKey(
        "tenants.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    account_manager = models.ForeignKey(
        "tenants.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    email_domains = ArrayField(models.CharField(max_length=253), default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta(TenantOwned.Meta):
        ordering = ["name"]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(fields=["tenant", "name"], name="customer_name_uniq"),
            SameTenantForeignKey(field="plan", name="customer_plan_same_tenant"),
            SameTenantForeignKey(field="primary_contact", name="customer_primary_same_tenant"),
            SameTenantForeignKey(field="secondary_contact", name="customer_secondary_same_tenant"),
            SameTenantForeignKey(field="account_manager", name="customer_manager_same_tenant"),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(TenantOwned):
    """A user's role in one tenant (and, for client roles, in one customer organisation)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    tier = models.PositiveSmallIntegerField(
        null=True, blank=True, choices=[(1, "Tier 1"), (2, "Tier 2"), (3, "Tier 3")]
    )
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="members"
    )
    is_active = models.BooleanField(default=True)
    # Made by the email intake from a From header (which anyone can forge): not proven to be
    # the person who reads that mailbox until they sign in here (see address_proven).
    address_unproven = models.BooleanField(default=False)
    # Sessions of this membership carry the epoch they were opened under; deactivating the
    # membership bumps it, so every earlier session here is signed out for good (even after a
    # reactivation) without finding the sessions themselves (tenants.middleware).
    session_epoch = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta(TenantOwned.Meta):
        ordering = ["role", "user__email"]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(fields=["tenant", "user"], name="membership_one_per_tenant"),
            SameTenantForeignKey(field="customer", name="membership_customer_same_tenant"),
            models.CheckConstraint(
                condition=(
                    models.Q(role__in=sorted(CLIENT_ROLES), customer__isnull=False)
                    | models.Q(role__in=sorted(STAFF_ROLES), customer__isnull=True)
                ),
                name="membership_customer_iff_client",
            ),
            models.CheckConstraint(
                condition=models.Q(tier__isnull=True) | models.Q(role__in=sorted(STAFF_ROLES)),
                name="membership_tier_only_staff",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user.email} ({self.get_role_display()})"

    def can(self, perm: str) -> bool:
        return self.is_active and role_can(self.role, perm)

    @property
    def is_client(self) -> bool:
        return self.role in CLIENT_ROLES

    @property
    def is_staff_member(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def address_proven(self) -> bool:
        """Whether mail to this member may repeat text sent in their name (a ticket's
        subject, their name): they were not made from a mere From header, or have signed in
        here since, and their address is proven (User.address_proven)."""
        return not self.address_unproven and self.user.address_proven

    def clean(self) -> None:
        if self.role in CLIENT_ROLES and self.customer_id is None:
            raise ValidationError({"customer": "A client belongs to a customer organisation."})
        if self.role in STAFF_ROLES and self.customer_id is not None:
            raise ValidationError({"customer": "Only client roles belong to a customer."})


# --------------------------------------------------------------------------- invitations


class Invitation(TenantOwned):
    """An offer of a membership, sent by email and accepted by the person it names.

    Adding someone to a tenant is never a silent attach: a user of another tenant (or a new
    person) becomes a member only by accepting, signed in as that address. The emailed token
    names the invitation and its `nonce`; inviting the same address again rotates the nonce, so
    only the latest link works.
    """

    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices)
    tier = models.PositiveSmallIntegerField(
        null=True, blank=True, choices=[(1, "Tier 1"), (2, "Tier 2"), (3, "Tier 3")]
    )
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    invited_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    nonce = models.CharField(max_length=32)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(TenantOwned.Meta):
        ordering = ["-created_at"]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(
                fields=["tenant", "email"],
                condition=models.Q(accepted_at__isnull=True),
                name="invitation_one_pending_per_email",
            ),
            SameTenantForeignKey(field="customer", name="invitation_customer_same_tenant"),
            models.CheckConstraint(
                condition=(
                    models.Q(role__in=sorted(CLIENT_ROLES), customer__isnull=False)
                    | models.Q(role__in=sorted(STAFF_ROLES), customer__isnull=True)
                ),
                name="invitation_customer_iff_client",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_role_display()})"


# --- API tokens (issue #8 item 2) --------------------------------------------------------------


class ApiToken(TenantOwned):
    """An API key of one person on one tenant's host: expires, can be revoked, and dies with a
    password change or reset (tenants.services).

    Only the SHA-256 of the key is stored: the key is 256 random bits, so a plain hash is as
    good as a slow one, and a leaked database holds no usable keys. `prefix` (the key's first
    characters) is what the person sees to tell their tokens apart.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True, default="")
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantOwned.Meta):
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["tenant", "user", "expires_at"],
                condition=models.Q(revoked_at__isnull=True),
                name="apitoken_live_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user.email})"

    def is_live(self, at: object = None) -> bool:
        now = at or timezone.now()
        return self.revoked_at is None and self.expires_at > now  # type: ignore[operator]
