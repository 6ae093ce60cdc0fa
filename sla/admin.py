"""SLA configuration in the Django admin, scoped to the host's tenant.

Clocks and their ledger are read-only here: they change only through the services, so the
ledger stays honest.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from helpdesk.admin import TenantScopedAdmin

from .models import (
    Calendar,
    ClockSegment,
    ClosureDate,
    MaintenanceWindow,
    Plan,
    PolicySection,
    Priority,
    RecomputeJob,
    SlaClock,
    SupportPolicy,
    Target,
)


@admin.register(Calendar)
class CalendarAdmin(TenantScopedAdmin):
    list_display = ["name", "time_zone", "always_open", "holiday_country", "revision"]
    readonly_fields = ["revision"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # The business-calendar cache is keyed on (pk, revision): every change bumps it.
        if change:
            obj.revision += 1
        super().save_model(request, obj, form, change)


@admin.register(Plan)
class PlanAdmin(TenantScopedAdmin):
    list_display = ["key", "name", "order"]


@admin.register(Priority)
class PriorityAdmin(TenantScopedAdmin):
    list_display = ["key", "label", "order"]


@admin.register(ClosureDate)
class ClosureDateAdmin(TenantScopedAdmin):
    list_display = ["calendar", "date", "name"]


@admin.register(SupportPolicy)
class SupportPolicyAdmin(TenantScopedAdmin):
    list_display = ["plan", "version", "effective_from"]


@admin.register(Target)
class TargetAdmin(TenantScopedAdmin):
    list_display = ["policy", "priority", "metric", "duration", "calendar"]


@admin.register(PolicySection)
class PolicySectionAdmin(TenantScopedAdmin):
    list_display = ["title", "key", "order"]


@admin.register(MaintenanceWindow)
class MaintenanceWindowAdmin(TenantScopedAdmin):
    list_display = ["name", "starts", "ends", "time_zone", "notice_hours"]


class ReadOnlyAdmin(TenantScopedAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SlaClock)
class SlaClockAdmin(ReadOnlyAdmin):
    list_display = ["ticket_id", "metric", "status", "due_at", "consumed"]
    list_filter = ["status", "metric"]


@admin.register(ClockSegment)
class ClockSegmentAdmin(ReadOnlyAdmin):
    list_display = ["clock_id", "kind", "started_at", "ended_at", "due_at_after", "note"]


@admin.register(RecomputeJob)
class RecomputeJobAdmin(ReadOnlyAdmin):
    list_display = ["reason", "status", "done", "total", "created_at"]
