from django.urls import path

from . import settings_views, views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/read-all/", views.notification_read_all, name="read_all"),
    path("notifications/<int:notification_id>/read/", views.notification_read, name="read"),
    path("settings/notifications/templates/", settings_views.templates, name="templates"),
    # ?event=<name>: an event is not a tenant object, so it is no path parameter.
    path("settings/notifications/templates/edit/", settings_views.template_edit,
         name="template_edit"),  # fmt: skip
    path("settings/notifications/suppressions/", settings_views.suppressions,
         name="suppressions"),  # fmt: skip
    path(
        "settings/notifications/suppressions/<int:suppression_id>/lift/",
        settings_views.suppression_lift,
        name="suppression_lift",
    ),
]
