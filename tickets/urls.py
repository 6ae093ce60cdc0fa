from django.urls import path

from .views import files, portal, staff

app_name = "tickets"

urlpatterns = [
    # Client portal
    path("tickets/", portal.portal_list, name="portal_list"),
    path("tickets/new/", portal.portal_new, name="portal_new"),
    path("tickets/<str:reference>/", portal.portal_detail, name="portal_detail"),
    path("tickets/<str:reference>/reply/", portal.portal_reply, name="portal_reply"),
    path("tickets/<str:reference>/close/", portal.portal_close, name="portal_close"),
    path("tickets/<str:reference>/reopen/", portal.portal_reopen, name="portal_reopen"),
    path(
        "tickets/<str:reference>/attachments/<int:attachment_id>/",
        files.attachment_download,
        name="attachment",
    ),
    # Agent workspace
    path("queue/", staff.queue, name="queue"),
    path("queue/bulk/", staff.queue_bulk, name="queue_bulk"),
    path("queue/new/", staff.ticket_log, name="ticket_log"),
    path("work/<str:reference>/", staff.work, name="work"),
    path("work/<str:reference>/reply/", staff.work_reply, name="work_reply"),
    path("work/<str:reference>/assign/", staff.work_assign, name="work_assign"),
    path("work/<str:reference>/status/", staff.work_status, name="work_status"),
    path("work/<str:reference>/priority/", staff.work_priority, name="work_priority"),
    path("work/<str:reference>/tier/", staff.work_tier, name="work_tier"),
    path("work/<str:reference>/out-of-scope/", staff.work_out_of_scope,
         name="work_out_of_scope"),  # fmt: skip
    path(
        "work/<str:reference>/canned/<int:canned_id>/", staff.canned_fill, name="canned_fill"
    ),
    path("canned/", staff.canned_list, name="canned_list"),
    path("canned/<int:canned_id>/", staff.canned_edit, name="canned_edit"),
]
