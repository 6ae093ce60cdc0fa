from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from . import services
from .admin_base import (
    TenantScopedAdmin,
    TenantScopedModelForm,
    host_tenant,
    may_administer,
    tenant_members,
)
from .invitations import InvitationError, invitation_create
from .models import Customer, Invitation, Membership, Tenant, User
from .roles import Role


class SiteWideAdmin(admin.ModelAdmin):
    """Models that are not tenant data: superusers only, on the bare site domain."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser and host_tenant(request) is None

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)


@admin.register(Tenant)
class TenantAdmin(SiteWideAdmin):
    list_display = ["slug", "name", "time_zone", "custom_domain", "is_active"]
    search_fields = ["slug", "name"]


@admin.register(User)
class UserAdmin(SiteWideAdmin, BaseUserAdmin):
    """Superusers manage every user on the bare domain. On a tenant host the tenant admin sees
    the tenant's members only, read-only: a person may belong to other tenants too, so their
    name, address and password are not one tenant's to change. People join by invitation."""

    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff"]
    list_filter = ["is_active"]
    search_fields = ["email", "full_name"]
    fieldsets = (
        (None, {"fields": ("email", "password", "full_name")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def get_queryset(self, request: HttpRequest) -> Any:
        tenant = host_tenant(request)
        queryset = super().get_queryset(request)
        return queryset if tenant is None else queryset.filter(pk__in=tenant_members(tenant))

    def has_module_permission(self, request: HttpRequest) -> bool:
        if host_tenant(request) is None:
            return super().has_module_permission(request)
        return may_administer(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if host_tenant(request) is not None:
            return ((None, {"fields": ("email", "full_name", "is_active")}),)
        return super().get_fieldsets(request, obj)

    def get_list_display(self, request: HttpRequest) -> Any:
        if host_tenant(request) is not None:
            return ["email", "full_name"]
        return super().get_list_display(request)

    def get_list_filter(self, request: HttpRequest) -> Any:
        # Platform-wide flags say nothing a tenant should filter its members by.
        return [] if host_tenant(request) is not None else super().get_list_filter(request)

    def _get_obj_does_not_exist_redirect(self, request: HttpRequest, opts: Any, object_id: str):
        # Someone who is not a member is a 404, exactly like no one.
        raise Http404("Not found.")

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        if host_tenant(request) is not None:
            raise Http404("Not found.")
        return super().user_change_password(request, id, form_url)


@admin.register(Customer)
class CustomerAdmin(TenantScopedAdmin):
    list_display = ["name", "plan", "primary_contact", "account_manager"]
    list_filter = ["plan"]
    search_fields = ["name"]
    autocomplete_fields = ["plan"]
    raw_id_fields = ["primary_contact", "secondary_contact", "account_manager"]


class MembershipInviteForm(TenantScopedModelForm):
    """Adding a member is an invitation: the person accepts it (or nobody is attached)."""

    email = forms.EmailField(
        help_text="They get an email with a link; they become a member when they accept it."
    )

    class Meta:
        model = Membership
        fields = ["email", "role", "tier", "customer"]

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        tenant = self.host_tenant
        if tenant is not None and (
            Membership.objects.for_tenant(tenant).filter(user__email=email).exists()
        ):
            raise forms.ValidationError("Already a member here: change their membership.")
        return email


class MembershipChangeForm(TenantScopedModelForm):
    """Role changes in the admin keep the People page's rules (the service checks them again
    under a lock when saving; this says so on the form)."""

    class Meta:
        model = Membership
        fields = ["role", "tier", "customer"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        member = self.instance  # still the stored values: the form fills it in after clean()
        if (
            member.pk is not None
            and member.role == Role.TENANT_ADMIN
            and member.is_active
            and cleaned.get("role") not in (None, Role.TENANT_ADMIN)
            and not Membership.objects.for_tenant(member.tenant)
            .filter(role=Role.TENANT_ADMIN, is_active=True)
            .exclude(pk=member.pk)
            .exists()
        ):
            self.add_error("role", "The tenant must keep at least one active tenant admin.")
        return cleaned


@admin.register(Membership)
class MembershipAdmin(TenantScopedAdmin):
    list_display = ["user", "role", "tier", "customer", "is_active"]
    list_filter = ["role", "tier", "is_active", "customer"]
    search_fields = ["user__email", "user__full_name"]
    raw_id_fields = ["user"]
    add_fieldsets = ((None, {"fields": ("email", "role", "tier", "customer")}),)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None and host_tenant(request) is not None:
            return self.add_fieldsets
        return super().get_fieldsets(request, obj)

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        if obj is None and host_tenant(request) is not None:
            kwargs["form"] = MembershipInviteForm
        elif obj is not None:
            kwargs["form"] = MembershipChangeForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Who the membership is for never changes; a different person is a new invitation.
        # Deactivation (which ends sessions and tokens, and keeps the last tenant admin) is the
        # People page's, through tenants.services: the admin is not a second door to it. Role
        # changes made here go through the same service (save_model).
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "user", "is_active", "session_epoch"] if obj is not None else readonly

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Deleting a membership would skip the same rules: deactivate it on the people page.
        return False

    def changeform_view(self, request: HttpRequest, object_id: Any = None, form_url: str = "",
                        extra_context: Any = None) -> Any:  # fmt: skip
        if object_id is not None and host_tenant(request) is not None:
            messages.info(request, "Change roles or deactivate on the People page: "
                          f"{reverse('people:people')}")  # fmt: skip
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            try:
                services.membership_update(
                    tenant=obj.tenant, membership=obj, role=obj.role, tier=obj.tier,
                    customer=obj.customer, actor=request.user,
                )  # fmt: skip
            except ValidationError as error:  # lost a race the form's check could not see
                messages.error(request, " ".join(error.messages))
            return
        if host_tenant(request) is None:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        try:
            link = invitation_create(
                tenant=request.tenant, email=data["email"], role=data["role"],
                tier=data.get("tier"), customer=data.get("customer"), invited_by=request.user,
            )  # fmt: skip
        except InvitationError as exc:  # a race with a concurrent add: say so, attach nobody
            messages.error(request, str(exc))
            obj._invitation = None
            return
        obj._invitation = link.invitation

    def _is_invitation(self, obj: Any) -> bool:
        return hasattr(obj, "_invitation")

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        if not self._is_invitation(form.instance):
            super().save_related(request, form, formsets, change)

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        if self._is_invitation(obj):
            invitation = obj._invitation
            return super().log_addition(request, invitation, message) if invitation else None
        return super().log_addition(request, obj, message)

    def response_add(self, request: HttpRequest, obj: Any, post_url_continue: Any = None) -> Any:
        if not self._is_invitation(obj):
            return super().response_add(request, obj, post_url_continue)
        if obj._invitation is not None:
            messages.success(request, f"Invitation sent to {obj._invitation.email}: they "
                             "become a member when they accept it.")  # fmt: skip
        return HttpResponseRedirect(reverse("admin:tenants_invitation_changelist"))


@admin.register(Invitation)
class InvitationAdmin(TenantScopedAdmin):
    """Invitations are made from the membership add form; here they can be seen or revoked."""

    list_display = ["email", "role", "customer", "created_at", "expires_at", "accepted_at"]
    list_filter = ["role"]
    search_fields = ["email"]
    exclude = ["nonce"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def add_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return HttpResponseRedirect(reverse("admin:tenants_membership_add"))
