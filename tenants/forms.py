from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms

from .models import Customer, Membership, User
from .roles import CLIENT_ROLES, STAFF_ROLES, Role


class TenantLoginForm(auth_forms.AuthenticationForm):
    """Sign in with email and password; only members of this host's tenant get in."""

    username = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        if username:
            self.cleaned_data["username"] = username.strip().lower()
        cleaned = super().clean()
        tenant = getattr(self.request, "tenant", None)
        if self.user_cache is not None and (
            tenant is None
            or not Membership.objects.for_tenant(tenant)
            .filter(user=self.user_cache, is_active=True)
            .exists()
        ):
            # Same message as a wrong password: the form does not confirm who exists where.
            raise self.get_invalid_login_error()
        return cleaned


class TenantPasswordResetForm(forms.Form):
    """The address to send a reset link to. Sending is `services.password_reset_send`'s (the
    link is built from configuration, never from the request's host)."""

    email = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class ProfileForm(forms.ModelForm):
    """A person's own name and the time zone their deadlines are shown in."""

    time_zone = forms.TypedChoiceField(
        choices=[("", "The support provider's zone")]
        + [(zone, zone) for zone in sorted(zoneinfo.available_timezones())],
        required=False,
    )

    class Meta:
        model = User
        fields = ["full_name", "time_zone"]


class CustomerContactsForm(forms.ModelForm):
    """A client admin names the organisation's primary and secondary support contacts."""

    class Meta:
        model = Customer
        fields = ["primary_contact", "secondary_contact"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = (
            Membership.objects.for_tenant(self.instance.tenant)
            .filter(customer=self.instance, role__in=sorted(CLIENT_ROLES), is_active=True)
            .select_related("user")
        )
        for name in ("primary_contact", "secondary_contact"):
            self.fields[name].queryset = members
            self.fields[name].label_from_instance = lambda m: f"{m.user} <{m.user.email}>"
        self.fields["primary_contact"].required = True

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        primary, secondary = cleaned.get("primary_contact"), cleaned.get("secondary_contact")
        if primary and secondary and primary == secondary:
            self.add_error("secondary_contact", "Choose someone other than the primary contact.")
        return cleaned


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        required=False,
        label="Label",
        help_text="To tell your tokens apart, e.g. the script that uses it.",
    )


# --- People and customers (settings pages of tenant admins; the organisation page) ------------

_TIER_CHOICES = [("", "No tier"), ("1", "Tier 1"), ("2", "Tier 2"), ("3", "Tier 3")]


def _member_label(member: Membership) -> str:
    return f"{member.user} <{member.user.email}>"


class MemberFilterForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[("", "Everyone"), ("staff", "Staff"), ("clients", "Clients")], required=False
    )
    role = forms.ChoiceField(choices=[("", "Any role"), *Role.choices], required=False)
    customer = forms.ModelChoiceField(queryset=Customer.objects.none(), required=False)
    active = forms.ChoiceField(
        choices=[("", "Active and inactive"), ("yes", "Active"), ("no", "Inactive")],
        required=False,
    )

    def __init__(self, *args: Any, tenant: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = Customer.objects.for_tenant(tenant)


class InviteForm(forms.Form):
    """A tenant admin invites a staff member, or a client of one of the customers."""

    email = forms.EmailField(max_length=254)
    role = forms.ChoiceField(choices=Role.choices)
    tier = forms.TypedChoiceField(
        choices=_TIER_CHOICES, coerce=int, empty_value=None, required=False
    )
    customer = forms.ModelChoiceField(
        queryset=Customer.objects.none(), required=False, help_text="For client roles only."
    )

    def __init__(self, *args: Any, tenant: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = Customer.objects.for_tenant(tenant)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        role, customer, tier = cleaned.get("role"), cleaned.get("customer"), cleaned.get("tier")
        if role in CLIENT_ROLES and customer is None:
            self.add_error("customer", "A client belongs to a customer organisation: pick one.")
        if role in STAFF_ROLES and customer is not None:
            self.add_error("customer", "Only client roles belong to a customer organisation.")
        if role in CLIENT_ROLES and tier is not None:
            self.add_error("tier", "Only staff have a tier.")
        return cleaned


class ColleagueInviteForm(forms.Form):
    """A client admin invites a colleague into their own organisation."""

    email = forms.EmailField(max_length=254)
    role = forms.ChoiceField(
        choices=[(Role.CLIENT, Role.CLIENT.label), (Role.CLIENT_ADMIN, Role.CLIENT_ADMIN.label)]
    )


class MembershipForm(InviteForm):
    """A tenant admin changes a member's role, tier or customer."""

    email = None  # type: ignore[assignment]


class CustomerForm(forms.Form):
    """A tenant admin creates or edits a client organisation."""

    name = forms.CharField(max_length=200)
    plan = forms.ModelChoiceField(queryset=Customer.objects.none())
    email_domains = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One domain a line (or separated by commas): mail from these is filed "
        "under this customer.",
    )
    account_manager = forms.ModelChoiceField(queryset=Membership.objects.none(), required=False)
    primary_contact = forms.ModelChoiceField(queryset=Membership.objects.none(), required=False)
    secondary_contact = forms.ModelChoiceField(queryset=Membership.objects.none(), required=False)

    def __init__(self, *args: Any, tenant: Any, customer: Customer | None = None,
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        plan_model = Customer._meta.get_field("plan").related_model
        self.fields["plan"].queryset = plan_model.objects.for_tenant(tenant)
        members = Membership.objects.for_tenant(tenant).filter(is_active=True)
        members = members.select_related("user")
        self.fields["account_manager"].queryset = members.filter(role__in=sorted(STAFF_ROLES))
        contacts = members.filter(customer=customer) if customer else members.none()
        for name in ("account_manager", "primary_contact", "secondary_contact"):
            if name != "account_manager":
                self.fields[name].queryset = contacts
            self.fields[name].label_from_instance = _member_label

    def clean_email_domains(self) -> list[str]:
        raw = self.cleaned_data["email_domains"]
        return [part for part in raw.replace(",", "\n").split() if part.strip()]
