from django.urls import path

from . import api

urlpatterns = [
    path("tickets/", api.TicketListCreate.as_view(), name="api-tickets"),
    path("tickets/<str:reference>/", api.TicketDetail.as_view(), name="api-ticket"),
    path(
        "tickets/<str:reference>/messages/",
        api.TicketMessages.as_view(),
        name="api-ticket-messages",
    ),
    path("tickets/<str:reference>/status/", api.TicketStatus.as_view(), name="api-ticket-status"),
    path("tickets/<str:reference>/assign/", api.TicketAssign.as_view(), name="api-ticket-assign"),
    path(
        "tickets/<str:reference>/out-of-scope/",
        api.TicketOutOfScope.as_view(),
        name="api-ticket-out-of-scope",
    ),
    path("tickets/<str:reference>/clocks/", api.TicketClocks.as_view(), name="api-ticket-clocks"),
]
