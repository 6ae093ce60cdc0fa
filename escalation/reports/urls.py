from django.urls import path, register_converter

from . import views
from .filters import EARLIEST, LATEST


class MonthConverter:
    """'YYYY-MM' with a real month number in the reports' range (EARLIEST..LATEST); anything
    else does not match (a 404). Year 0000 matches the pattern but is no date at all."""

    regex = r"\d{4}-(?:0[1-9]|1[0-2])"

    def to_python(self, value: str) -> str:
        year = int(value[:4])
        if not EARLIEST.year <= year <= LATEST.year:
            raise ValueError(value)  # the URL does not match: a 404, never date(0, …)
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
