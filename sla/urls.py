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
]
