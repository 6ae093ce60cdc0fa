"""SLA configuration in the Django admin, scoped to the host's tenant, and read-only.

One door per change: calendars, closure dates, plans, priorities, policy versions, targets,
policy text and maintenance windows change only through the settings pages, whose
`configuration` services bump calendar revisions, queue the recompute of running clocks and
keep policy versions honest. Here they can be looked up (and searched, and picked in other
models' widgets). Clocks and their ledger change only through the clock services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tenants.admin_base import ConfiguredElsewhereAdmin, TenantScopedAdmin

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


class SlaSettingsAdmin(ConfiguredElsewhereAdmin):
    settings_url_name = "sla:settings"


@admin.register(Calendar)
class CalendarAdmin(SlaSettingsAdmin):
    list_display = ["name", "time_zone", "always_open", "holiday_country", "revision"]
    search_fields = ["name"]


@admin.register(Plan)
class PlanAdmin(SlaSettingsAdmin):
    list_display = ["key", "name", "order"]
    search_fields = ["key", "name"]


@admin.register(Priority)
class PriorityAdmin(SlaSettingsAdmin):
    list_display = ["key", "label", "order"]
    search_fields = ["key", "label"]


@admin.register(ClosureDate)
class ClosureDateAdmin(SlaSettingsAdmin):
    list_display = ["calendar", "date", "name"]
    list_filter = ["calendar"]


@admin.register(SupportPolicy)
class SupportPolicyAdmin(SlaSettingsAdmin):
    list_display = ["plan", "version", "effective_from"]
    list_filter = ["plan"]


@admin.register(Target)
class TargetAdmin(SlaSettingsAdmin):
    list_display = ["policy", "priority", "metric", "duration", "calendar"]
    list_filter = ["calendar", "priority"]


@admin.register(PolicySection)
class PolicySectionAdmin(SlaSettingsAdmin):
    list_display = ["title", "key", "order"]


@admin.register(MaintenanceWindow)
class MaintenanceWindowAdmin(ConfiguredElsewhereAdmin):
    settings_url_name = "sla:maintenance_list"
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
