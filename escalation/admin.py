"""Read-only admin: ladders change through the settings pages (configuration services),
escalations through their services; the admin is never a second door."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tenants.admin_base import TenantScopedAdmin

from .models import Escalation, EscalationLadder, EscalationLevel


class ReadOnlyAdmin(TenantScopedAdmin):
    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and self._may(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(EscalationLadder)
class EscalationLadderAdmin(ReadOnlyAdmin):
    list_display = ["name", "sources", "priority", "is_active"]


@admin.register(EscalationLevel)
class EscalationLevelAdmin(ReadOnlyAdmin):
    list_display = ["ladder", "position", "name", "target_kind", "acknowledge_within", "calendar"]


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "source", "level_number", "status", "acknowledge_by", "created_at"]
    list_filter = ["status", "source"]
