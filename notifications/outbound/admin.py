
from django.contrib import admin

from tenants.admin_base import ReadOnlyAdmin

from .models import Delivery, Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "subject", "recipient", "recipient_email", "read_at"]
    list_filter = ["kind"]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "transport", "status", "attempts", "sent_at", "last_error"]
    list_filter = ["transport", "status"]
