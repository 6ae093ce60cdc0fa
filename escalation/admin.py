"""Read-only admin: ladders change through the settings pages (configuration services),
escalations through their services; the admin is never a second door."""


from django.contrib import admin

from tenants.admin_base import ReadOnlyAdmin

from .models import Escalation, EscalationLadder, EscalationLevel


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
