from django.urls import path

from . import settings_views as s
from . import views

app_name = "sla"

urlpatterns = [
    path("policy/", views.policy_page, name="policy"),
    path("settings/sla/", s.index, name="settings"),
    path("settings/sla/calendars/new/", s.calendar_edit, name="calendar_new"),
    path("settings/sla/calendars/<int:calendar_id>/", s.calendar_edit, name="calendar_edit"),
    path("settings/sla/plans/new/", s.plan_edit, name="plan_new"),
    path("settings/sla/plans/<int:plan_id>/", s.plan_edit, name="plan_edit"),
    path("settings/sla/plans/<int:plan_id>/policies/new/", s.policy_new, name="policy_new"),
    path("settings/sla/priorities/new/", s.priority_edit, name="priority_new"),
    path("settings/sla/priorities/<int:priority_id>/", s.priority_edit, name="priority_edit"),
    path("settings/sla/policies/<int:policy_id>/", s.policy_edit, name="policy_edit"),
    path("settings/sla/policies/<int:policy_id>/targets/new/", s.target_edit, name="target_new"),
    path("settings/sla/targets/<int:target_id>/", s.target_edit, name="target_edit"),
    path("settings/sla/sections/<int:section_id>/", s.section_edit, name="section_edit"),
    path("settings/sla/jobs/<int:job_id>/", s.job_progress, name="job_progress"),
    path("settings/sla/jobs/<int:job_id>/retry/", s.job_retry, name="job_retry"),
    path("settings/sla/calendars/<int:calendar_id>/delete/", s.calendar_delete,
         name="calendar_delete"),
    path("settings/sla/closures/<int:closure_id>/delete/", s.closure_delete,
         name="closure_delete"),
    path("settings/sla/plans/<int:plan_id>/delete/", s.plan_delete, name="plan_delete"),
    path("settings/sla/priorities/<int:priority_id>/delete/", s.priority_delete,
         name="priority_delete"),
    path("settings/sla/policies/<int:policy_id>/delete/", s.policy_delete, name="policy_delete"),
    path("settings/sla/maintenance/", s.maintenance_list, name="maintenance_list"),
    path("settings/sla/maintenance/new/", s.maintenance_edit, name="maintenance_new"),
    path("settings/sla/maintenance/<int:window_id>/", s.maintenance_edit,
         name="maintenance_edit"),
    path("settings/sla/maintenance/<int:window_id>/delete/", s.maintenance_delete,
         name="maintenance_delete"),
    path("settings/sla/exclusions/", s.exclusion_list, name="exclusion_list"),
    path("settings/sla/exclusions/new/", s.exclusion_edit, name="exclusion_new"),
    path("settings/sla/exclusions/<int:exclusion_id>/", s.exclusion_edit,
         name="exclusion_edit"),
    path("settings/sla/exclusions/<int:exclusion_id>/delete/", s.exclusion_delete,
         name="exclusion_delete"),
]  # fmt: skip
