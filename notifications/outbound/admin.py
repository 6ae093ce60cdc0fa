from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tenants.admin_base import TenantScopedAdmin

from .models import Delivery, Notification


class ReadOnlyAdmin(TenantScopedAdmin):
    """Read-only: notifications are written by the services that cause them."""

    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and self._may(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "subject", "recipient", "recipient_email", "read_at"]
    list_filter = ["kind"]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "transport", "status", "attempts", "sent_at", "last_error"]
    list_filter = ["transport", "status"]
