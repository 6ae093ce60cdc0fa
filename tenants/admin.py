from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from helpdesk.admin import TenantScopedAdmin

from .models import Customer, Membership, Tenant, User


class SiteWideAdmin(admin.ModelAdmin):
    """Models that are not tenant data: superusers only, on the bare site domain."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser and getattr(request, "tenant", None) is None

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
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff"]
    search_fields = ["email", "full_name"]
    fieldsets = (
        (None, {"fields": ("email", "password", "full_name")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(Customer)
class CustomerAdmin(TenantScopedAdmin):
    list_display = ["name", "plan", "primary_contact", "account_manager"]
    search_fields = ["name"]


@admin.register(Membership)
class MembershipAdmin(TenantScopedAdmin):
    list_display = ["user", "role", "tier", "customer", "is_active"]
    list_filter = ["role", "tier", "is_active"]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]
