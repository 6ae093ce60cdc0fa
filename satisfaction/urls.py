from django.urls import path

from . import views

app_name = "satisfaction"

urlpatterns = [
    # Public: the signed token is the only credential (no sign-in needed).
    path("satisfaction/<str:survey_token>/", views.rate, name="rate"),
    path("reports/satisfaction/", views.report_page, name="report"),
    path("reports/satisfaction.csv", views.report_csv, name="report_csv"),
]
