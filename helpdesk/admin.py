"""The Django admin, tenant-aware.

On a tenant host it is the tenant admins' back office, showing only that tenant's rows; on the
bare site domain it is for superusers and reads across tenants (`cross_tenant()`).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest

from tenants.roles import Perm
from tenants.scoping import TenantOwned


def may_administer(request: HttpRequest) -> bool:
    user = request.user
    if not user.is_active or not user.is_authenticated:
        return False
    if getattr(request, "tenant", None) is None:
        return bool(user.is_superuser)
    membership = getattr(request, "membership", None)
    return membership is not None and membership.can(Perm.SETTINGS_MANAGE)


class HelpdeskAdminSite(admin.AdminSite):
    site_header = "Helpdesk administration"

    def has_permission(self, request: HttpRequest) -> bool:
        return may_administer(request)


class TenantScopedAdmin(admin.ModelAdmin):
    """Base for tenant-owned models: rows, choices and new objects stay in the host's tenant."""

    def get_queryset(self, request: HttpRequest) -> Any:
        queryset = super().get_queryset(request)
        tenant = getattr(request, "tenant", None)
        return queryset.cross_tenant() if tenant is None else queryset.for_tenant(tenant)

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        exclude = list(super().get_exclude(request, obj) or [])
        if getattr(request, "tenant", None) is not None:
            exclude.append("tenant")
        return exclude

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        self._scope_choices(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        self._scope_choices(db_field, request, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def _scope_choices(self, db_field: Any, request: HttpRequest, kwargs: dict[str, Any]) -> None:
        model = db_field.related_model
        tenant = getattr(request, "tenant", None)
        if isinstance(model, type) and issubclass(model, TenantOwned):
            manager = model._default_manager
            kwargs["queryset"] = (
                manager.cross_tenant() if tenant is None else manager.for_tenant(tenant)
            )

    def _require_in_tenant(self, request: HttpRequest, object_id: str | None) -> None:
        """Another tenant's row is a 404 before any permission check can answer 403."""
        if object_id is None:
            return
        try:
            found = self.get_queryset(request).filter(pk=unquote(object_id)).exists()
        except (ValueError, ValidationError):
            found = False
        if not found:
            raise Http404("Not found.")

    def change_view(self, request: HttpRequest, object_id: str, *args: Any, **kwargs: Any) -> Any:
        self._require_in_tenant(request, object_id)
        return super().change_view(request, object_id, *args, **kwargs)

    def delete_view(self, request: HttpRequest, object_id: str, *args: Any, **kwargs: Any) -> Any:
        self._require_in_tenant(request, object_id)
        return super().delete_view(request, object_id, *args, **kwargs)

    def history_view(self, request: HttpRequest, object_id: str, *args: Any, **kwargs: Any) -> Any:
        self._require_in_tenant(request, object_id)
        return super().history_view(request, object_id, *args, **kwargs)

    def _get_obj_does_not_exist_redirect(self, request: HttpRequest, opts: Any, object_id: str):
        # Another tenant's row is a 404, exactly like a missing one (no "doesn't exist" hint).
        raise Http404("Not found.")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        tenant = getattr(request, "tenant", None)
        if tenant is not None:
            obj.tenant = tenant
        super().save_model(request, obj, form, change)

    def _may(self, request: HttpRequest) -> bool:
        return may_administer(request)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._may(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._may(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request)
