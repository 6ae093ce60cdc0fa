"""The invitation accept page (`/accounts/invitations/<token>/`), on the inviting tenant's host.

An existing user proves they own the address by signing in with their password here; a new
person chooses a password. Either way they are signed in as the new member afterwards.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import authenticate, login, password_validation
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .invitations import InvitationError, existing_user, invitation_accept, invitation_for_token
from .middleware import session_epoch_stamp
from .models import Invitation

_BACKEND = "django.contrib.auth.backends.ModelBackend"


class SignInToAcceptForm(forms.Form):
    password = forms.CharField(
        strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, *args: Any, request: HttpRequest, email: str, **kwargs: Any) -> None:
        self.request, self.email, self.user = request, email, None
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        password = data.get("password")
        if password:
            self.user = authenticate(self.request, username=self.email, password=password)
            if self.user is None:
                raise forms.ValidationError(f"That is not the password of {self.email}.")
        return data


class ChoosePasswordForm(forms.Form):
    password1 = forms.CharField(
        label="Password", strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )  # fmt: skip
    password2 = forms.CharField(
        label="Password again", strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )  # fmt: skip

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        self.email = email
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords differ.")
        elif first:
            try:
                password_validation.validate_password(first)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


def _form(request: HttpRequest, invitation: Invitation) -> forms.Form:
    data = request.POST if request.method == "POST" else None
    if existing_user(invitation) is not None:
        return SignInToAcceptForm(data, request=request, email=invitation.email)
    return ChoosePasswordForm(data, email=invitation.email)


@require_http_methods(["GET", "POST"])
def invitation_accept_page(request: HttpRequest, token: str) -> HttpResponse:
    tenant = getattr(request, "tenant", None)
    if tenant is None:
        raise Http404("No tenant here.")
    try:
        invitation = invitation_for_token(tenant=tenant, token=token)
    except InvitationError as exc:
        return render(request, "tenants/invitation_accept.html", {"refusal": str(exc)},
                      status=404)  # fmt: skip
    form = _form(request, invitation)
    if request.method == "POST" and form.is_valid():
        try:
            membership = invitation_accept(
                tenant=tenant, invitation=invitation, user=getattr(form, "user", None),
                password=form.cleaned_data.get("password1", ""),
            )  # fmt: skip
        except InvitationError as exc:
            form.add_error(None, str(exc))
        else:
            login(request, membership.user, backend=_BACKEND)
            session_epoch_stamp(request, membership)
            return redirect("home")
    context = {"invitation": invitation, "form": form,
               "has_account": isinstance(form, SignInToAcceptForm)}  # fmt: skip
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "tenants/invitation_accept.html", context, status=status)
