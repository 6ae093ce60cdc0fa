"""Settings change through their service (the admin calls it); surveys are read-only here:
ratings are written by the rating page only (one door)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tenants.admin_base import ConfiguredElsewhereAdmin, TenantScopedAdmin

from . import services
from .models import SatisfactionSettings, Survey


@admin.register(SatisfactionSettings)
class SatisfactionSettingsAdmin(TenantScopedAdmin):
    list_display = ["tenant", "enabled", "delay_minutes", "valid_days"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        saved = services.settings_update(
            tenant=obj.tenant, enabled=obj.enabled, delay_minutes=obj.delay_minutes,
            valid_days=obj.valid_days,
        )  # fmt: skip
        obj.pk = saved.pk


@admin.register(Survey)
class SurveyAdmin(ConfiguredElsewhereAdmin):
    list_display = ["ticket", "score", "rated_at", "agent", "customer"]
