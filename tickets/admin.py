from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from helpdesk.admin import TenantScopedAdmin

from .models import Attachment, CannedResponse, Category, Message, Ticket, TicketEvent


@admin.register(Category)
class CategoryAdmin(TenantScopedAdmin):
    list_display = ["name", "key", "order"]


@admin.register(CannedResponse)
class CannedResponseAdmin(TenantScopedAdmin):
    list_display = ["title"]


@admin.register(Ticket)
class TicketAdmin(TenantScopedAdmin):
    """Read-only: tickets change through the services (history and clocks), not the admin."""

    list_display = ["reference", "subject", "status", "priority", "customer", "next_due_at"]
    list_filter = ["status"]
    search_fields = ["reference", "subject"]
    actions = None

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
    list_display = ["ticket", "author", "is_internal", "created_at"]
    list_filter = ["is_internal"]
    search_fields = ["body_text"]


@admin.register(Attachment)
class AttachmentAdmin(TicketAdmin):
    list_display = ["filename", "ticket", "size", "content_type"]
    list_filter = []
    search_fields = ["filename"]


@admin.register(TicketEvent)
class TicketEventAdmin(TicketAdmin):
    list_display = ["ticket", "kind", "from_value", "to_value", "created_at"]
    list_filter = ["kind"]
    search_fields = []
