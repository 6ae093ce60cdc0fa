from django.urls import path

from . import api

urlpatterns = [
    path("escalations/", api.EscalationList.as_view(), name="api-escalations"),
    path(
        "escalations/<int:escalation_id>/acknowledge/",
        api.EscalationAcknowledge.as_view(),
        name="api-escalation-acknowledge",
    ),
    path(
        "escalations/<int:escalation_id>/resolve/",
        api.EscalationResolve.as_view(),
        name="api-escalation-resolve",
    ),
    path(
        "tickets/<str:reference>/escalate/",
        api.TicketEscalate.as_view(),
        name="api-ticket-escalate",
    ),
]
