from django.urls import path

from . import settings_views, views

app_name = "escalation"

urlpatterns = [
    path("escalations/", views.dashboard, name="dashboard"),
    path("escalations/counts/", views.counts, name="counts"),
    path("escalations/<int:escalation_id>/", views.detail, name="detail"),
    path("escalations/<int:escalation_id>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("escalations/<int:escalation_id>/resolve/", views.resolve, name="resolve"),
    path("escalations/<int:escalation_id>/reassign/", views.reassign, name="reassign"),
    path("escalations/<int:escalation_id>/deescalate/", views.deescalate, name="deescalate"),
    # Served here, not by tickets (tickets sits below escalation); included before tickets'
    # urls, so this view answers the portal's existing escalate form.
    path("tickets/<str:reference>/escalate/", views.portal_escalate, name="portal_escalate"),
    path("work/<str:reference>/escalate/", views.work_escalate, name="work_escalate"),
    path("settings/escalation/", settings_views.ladder_list, name="settings_ladders"),
    path("settings/escalation/new/", settings_views.ladder_edit, name="settings_ladder_new"),
    path(
        "settings/escalation/<int:ladder_id>/",
        settings_views.ladder_edit,
        name="settings_ladder_edit",
    ),
    path(
        "settings/escalation/<int:ladder_id>/levels/new/",
        settings_views.level_new,
        name="settings_level_new",
    ),
    path(
        "settings/escalation/levels/<int:level_id>/",
        settings_views.level_edit,
        name="settings_level_edit",
    ),
    path(
        "settings/escalation/levels/<int:level_id>/delete/",
        settings_views.level_delete,
        name="settings_level_delete",
    ),
]
