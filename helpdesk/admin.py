"""The Django admin site, tenant-aware.

On a tenant host it is the tenant admins' back office, showing only that tenant's rows; on the
bare site domain it is for superusers and reads across tenants (`cross_tenant()`). The model
admins' base class lives below the apps, in `tenants/admin_base.py`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.contenttypes import views as contenttype_views
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path

from tenants.admin_base import (
    ScopedAutocompleteJsonView,
    TenantScopedAdmin,
    may_administer,
    view_on_site_allowed,
)

__all__ = ["HelpdeskAdminSite", "TenantScopedAdmin", "may_administer"]


class HelpdeskAdminSite(admin.AdminSite):
    site_header = "Helpdesk administration"

    def has_permission(self, request: HttpRequest) -> bool:
        return may_administer(request)

    def autocomplete_view(self, request: HttpRequest) -> HttpResponse:
        return ScopedAutocompleteJsonView.as_view(admin_site=self)(request)

    def view_on_site(
        self, request: HttpRequest, content_type_id: int, object_id: str
    ) -> HttpResponse:
        """`/admin/r/<ct>/<id>/`: another tenant's row, a user who is not a member, or a
        platform row is a 404 exactly like a missing one (Django's shortcut reads any row)."""
        if not view_on_site_allowed(request, content_type_id, object_id):
            raise Http404("Not found.")
        return contenttype_views.shortcut(request, content_type_id, object_id)

    def get_urls(self) -> list[Any]:
        urls = super().get_urls()
        for index, pattern in enumerate(urls):
            if getattr(pattern, "name", None) == "view_on_site":
                urls[index] = path(
                    "r/<int:content_type_id>/<path:object_id>/",
                    self.admin_view(self.view_on_site),
                    name="view_on_site",
                )
        return urls
