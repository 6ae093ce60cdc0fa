from django.urls import path

from . import api

urlpatterns = [
    path("reports/sla/", api.SlaReportView.as_view(), name="reports-sla"),
]
