from django.contrib import admin

from tenants.admin_base import TenantScopedAdmin

from .models import InboundSettings


@admin.register(InboundSettings)
class InboundSettingsAdmin(TenantScopedAdmin):
    """Plain configuration (no side effects), so the admin edits it directly."""

    list_display = ["tenant", "unknown_sender_action", "require_known_senders", "acknowledge"]
