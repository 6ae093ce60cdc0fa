from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy

from .access import member_required
from .forms import CustomerContactsForm, ProfileForm, TenantLoginForm, TenantPasswordResetForm
from .models import Customer, Tenant
from .roles import Perm


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


class LogoutView(auth_views.LogoutView):
    pass


class PasswordChangeView(InvalidFormIs400, auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


class PasswordResetView(InvalidFormIs400, auth_views.PasswordResetView):
    form_class = TenantPasswordResetForm
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return _tenant_pages_only(request) or super().dispatch(request, *args, **kwargs)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(InvalidFormIs400, auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


def landing(request: HttpRequest) -> HttpResponse:
    """The bare site domain: what this is, and where the tenants are (in development)."""
    from django.conf import settings

    tenants = Tenant.objects.filter(is_active=True) if settings.DEBUG else Tenant.objects.none()
    return render(request, "landing.html", {"tenants": tenants})


@member_required()
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, "Profile saved.")
            return redirect("accounts:profile")
        return render(request, "accounts/profile.html", {"form": form}, status=400)
    return render(request, "accounts/profile.html", {"form": form})


@member_required(Perm.CUSTOMER_CONTACTS_MANAGE)
def organisation_contacts(request: HttpRequest) -> HttpResponse:
    customer = Customer.objects.for_tenant(request.tenant).get(pk=request.membership.customer_id)
    form = CustomerContactsForm(request.POST or None, instance=customer)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, "Support contacts saved.")
            return redirect("organisation_contacts")
        return render(request, "tenants/organisation.html", {"form": form}, status=400)
    return render(request, "tenants/organisation.html", {"form": form, "customer": customer})
