from django.urls import path

from . import views

app_name = "inbound"

urlpatterns = [
    path("settings/inbound/", views.problems, name="problems"),
    path("settings/inbound/<int:inbound_id>/raw/", views.raw, name="raw"),
    path("settings/inbound/ticket/<str:reference>/", views.ticket_originals, name="ticket"),
    path("settings/inbound/<int:inbound_id>/retry/", views.retry, name="retry"),
    path("settings/inbound/<int:inbound_id>/discard/", views.discard, name="discard"),
]
