from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST

from . import services
from .access import member_required
from .client_ip import client_ip
from .forms import (
    ApiTokenForm,
    CustomerContactsForm,
    ProfileForm,
    TenantLoginForm,
    TenantPasswordResetForm,
)
from .middleware import membership_for, session_epoch_stamp
from .models import Customer, Tenant
from .roles import Perm
from .throttle import throttle_hit


class InvalidFormIs400:
    """A form that does not validate answers 400, with its field errors on the page."""

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)  # type: ignore[misc]
        response.status_code = 400
        return response


def _tenant_pages_only(request: HttpRequest) -> HttpResponse | None:
    if getattr(request, "tenant", None) is None:
        return render(request, "404_unknown_host.html", status=404)
    return None


class LoginView(InvalidFormIs400, auth_views.LoginView):
    form_class = TenantLoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return _tenant_pages_only(request) or super().dispatch(request, *args, **kwargs)

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        # The new session belongs to the membership's current epoch (see tenants.middleware).
        membership = membership_for(tenant=self.request.tenant, user=form.get_user())
        if membership is not None:
            session_epoch_stamp(self.request, membership)
            if membership.address_unproven:  # they read the mailbox: a password reached it
                services.membership_address_proven(membership=membership)
        return response


class LogoutView(auth_views.LogoutView):
    pass


class PasswordChangeView(InvalidFormIs400, auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")

    def form_valid(self, form: Any) -> HttpResponse:
        # Through the service: a new password also revokes every API token of the person.
        services.user_password_set(user=form.user, password=form.cleaned_data["new_password1"])
        update_session_auth_hash(self.request, form.user)  # this session stays signed in
        return HttpResponseRedirect(self.get_success_url())


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


class PasswordResetView(InvalidFormIs400, auth_views.PasswordResetView):
    form_class = TenantPasswordResetForm
    template_name = "accounts/password_reset.html"
    success_url = reverse_lazy("accounts:password_reset_done")

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return _tenant_pages_only(request) or super().dispatch(request, *args, **kwargs)

    def form_valid(self, form: Any) -> HttpResponse:
        email = form.cleaned_data["email"]
        if _reset_allowed(email=email, ip=client_ip(self.request)):
            services.password_reset_send(tenant=self.request.tenant, email=email)
        # The same answer whether a link was sent, nobody matched or the throttle held it back:
        # the page confirms nothing about who has an account.
        return HttpResponseRedirect(self.get_success_url())


def _reset_allowed(*, email: str, ip: str) -> bool:
    """At most PASSWORD_RESET_MAX_PER_ADDRESS links to one address and
    PASSWORD_RESET_MAX_PER_IP requests from one client per window. Both counters count every
    request, so neither can be used up while the other is spared."""
    window = settings.PASSWORD_RESET_WINDOW_MINUTES * 60
    per_address = throttle_hit(
        scope="reset-address",
        subject=email.strip().lower(),
        limit=settings.PASSWORD_RESET_MAX_PER_ADDRESS,
        window_seconds=window,
    )
    per_ip = throttle_hit(
        scope="reset-ip",
        subject=ip,
        limit=settings.PASSWORD_RESET_MAX_PER_IP,
        window_seconds=window,
    )
    return per_address and per_ip


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(InvalidFormIs400, auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form: Any) -> HttpResponse:
        # Through the service: a reset password also revokes every API token of the person.
        services.user_password_set(user=form.user, password=form.cleaned_data["new_password1"])
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


def landing(request: HttpRequest) -> HttpResponse:
    """The bare site domain: what this is, and where the tenants are (in development)."""
    tenants = Tenant.objects.filter(is_active=True) if settings.DEBUG else Tenant.objects.none()
    return render(request, "landing.html", {"tenants": tenants})


def _profile_page(
    request: HttpRequest, form: ProfileForm, *, status: int = 200, new_key: str = ""
) -> HttpResponse:
    tokens = services.api_tokens_of(tenant=request.tenant, user=request.user)
    context = {"form": form, "tokens": tokens, "new_key": new_key}
    return render(request, "accounts/profile.html", context, status=status)


@member_required()
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.profile_update(
                    user=request.user,
                    full_name=form.cleaned_data["full_name"],
                    time_zone=form.cleaned_data["time_zone"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Profile saved.")
                return redirect("accounts:profile")
        return _profile_page(request, form, status=400)
    return _profile_page(request, form)


@member_required()
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    """A new API token for this tenant; its key is on this one page and never again."""
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return _profile_page(request, ProfileForm(instance=request.user), status=400)
    _token, key = services.api_token_create(
        tenant=request.tenant, user=request.user, name=form.cleaned_data["name"]
    )
    return _profile_page(request, ProfileForm(instance=request.user), new_key=key)


@member_required()
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    services.api_token_revoke(tenant=request.tenant, user=request.user, token_id=token_id)
    messages.success(request, "Token revoked.")
    return redirect("accounts:profile")


@member_required(Perm.CUSTOMER_CONTACTS_MANAGE)
def organisation_contacts(request: HttpRequest) -> HttpResponse:
    customer = Customer.objects.for_tenant(request.tenant).get(pk=request.membership.customer_id)
    form = CustomerContactsForm(request.POST or None, instance=customer)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.contacts_update(
                    tenant=request.tenant,
                    customer=customer,
                    primary_contact=form.cleaned_data["primary_contact"],
                    secondary_contact=form.cleaned_data["secondary_contact"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Support contacts saved.")
                return redirect("organisation_contacts")
        context = {"form": form, "customer": customer}
        return render(request, "tenants/organisation.html", context, status=400)
    return render(request, "tenants/organisation.html", {"form": form, "customer": customer})
