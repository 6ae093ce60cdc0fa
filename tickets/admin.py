from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tenants.admin_base import TenantScopedAdmin
from tenants.models import Membership

from .models import Attachment, CannedResponse, Category, Message, Ticket, TicketEvent
from .services.canned import canned_delete, canned_save


@admin.register(Category)
class CategoryAdmin(TenantScopedAdmin):
    list_display = ["name", "key", "order"]
    search_fields = ["name", "key"]


@admin.register(CannedResponse)
class CannedResponseAdmin(TenantScopedAdmin):
    """Writes go through the same service as the canned-response settings page."""

    list_display = ["title"]
    search_fields = ["title"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if request.tenant is not None:
            obj.tenant = request.tenant
        canned_save(tenant=obj.tenant, canned=obj)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        canned_delete(tenant=obj.tenant, canned=obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for canned in queryset:
            canned_delete(tenant=canned.tenant, canned=canned)


@admin.register(Ticket)
class TicketAdmin(TenantScopedAdmin):
    """Read-only: tickets change through the services (history and clocks), not the admin."""

    list_display = ["reference", "subject", "status", "priority", "customer", "next_due_at"]
    list_filter = ["status"]
    search_fields = ["reference", "subject"]
    actions = None
    # Read-only pages show a many-to-many through its unscoped through-table query: the
    # watchers are listed by a scoped query instead.
    exclude = ["watchers"]
    readonly_fields = ["watcher_list"]

    @admin.display(description="Watchers")
    def watcher_list(self, obj: Any) -> str:
        watchers = Membership.objects.for_tenant(obj.tenant).filter(watching=obj)
        return ", ".join(str(m) for m in watchers.select_related("user")) or "-"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    # With no object (a key of another tenant or a missing one) the base class answers 404;
    # an object of this tenant is shown read-only.
    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and self._may(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and self._may(request)


@admin.register(Message)
class MessageAdmin(TicketAdmin):
    exclude = readonly_fields = ()
    list_display = ["ticket", "author", "is_internal", "created_at"]
    list_filter = ["is_internal"]
    search_fields = ["body_text"]


@admin.register(Attachment)
class AttachmentAdmin(TicketAdmin):
    exclude = readonly_fields = ()
    list_display = ["filename", "ticket", "size", "content_type"]
    list_filter = []
    search_fields = ["filename"]


@admin.register(TicketEvent)
class TicketEventAdmin(TicketAdmin):
    exclude = readonly_fields = ()
    list_display = ["ticket", "kind", "from_value", "to_value", "created_at"]
    list_filter = ["kind"]
    search_fields = []
