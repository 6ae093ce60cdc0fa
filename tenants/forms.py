from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms

from .models import Customer, Membership, User
from .roles import CLIENT_ROLES


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
        members = Membership.objects.for_tenant(self.instance.tenant).filter(
            customer=self.instance, role__in=sorted(CLIENT_ROLES), is_active=True
        ).select_related("user")
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
