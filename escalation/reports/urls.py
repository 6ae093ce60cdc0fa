from django.urls import path, register_converter

from . import views


class MonthConverter:
    """'YYYY-MM' with a real month number; anything else does not match (a 404)."""

    regex = r"\d{4}-(?:0[1-9]|1[0-2])"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(MonthConverter, "yyyymm")

app_name = "reports"

urlpatterns = [
    path("reports/", views.report_page, name="sla"),
    path("reports/sla.csv", views.summary_csv, name="sla_csv"),
    path("reports/clocks.csv", views.clocks_csv, name="clocks_csv"),
    path(
        "reports/statements/<int:customer_id>/<yyyymm:month>/",
        views.customer_statement,
        name="statement",
    ),
]
