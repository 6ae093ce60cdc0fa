from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from helpdesk.admin import TenantScopedAdmin

from .models import Customer, Membership, Tenant, User


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "time_zone", "custom_domain", "is_active"]
    search_fields = ["slug", "name"]

    def has_module_permission(self, request):  # type: ignore[no-untyped-def]
        return request.user.is_superuser and getattr(request, "tenant", None) is None

    has_view_permission = has_add_permission = has_change_permission = has_module_permission  # type: ignore[assignment]

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return self.has_module_permission(request)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff"]
    search_fields = ["email", "full_name"]
    fieldsets = (
        (None, {"fields": ("email", "password", "full_name")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def has_module_permission(self, request):  # type: ignore[no-untyped-def]
        return request.user.is_superuser and getattr(request, "tenant", None) is None

    def has_view_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return self.has_module_permission(request)

    has_change_permission = has_delete_permission = has_view_permission  # type: ignore[assignment]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return self.has_module_permission(request)


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
