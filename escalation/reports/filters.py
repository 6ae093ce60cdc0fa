"""The report's filters (date range, plan, customer), validated once for the page, the CSV and
the API alike: bad input is a 400 with field errors."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django import forms
from django.utils import timezone

if TYPE_CHECKING:
    from sla.models import Plan
    from tenants.models import Customer

MAX_MONTHS = 24
DEFAULT_MONTHS = 6
# Far-off dates are typing errors (and 9999-12-31 + 1 day would overflow).
EARLIEST, LATEST = date(2000, 1, 1), date(2199, 12, 31)


@dataclass(frozen=True)
class ReportFilters:
    date_from: date  # inclusive, in the tenant's zone
    date_to: date  # inclusive
    zone: zoneinfo.ZoneInfo
    plan: Plan | None = None
    customer: Customer | None = None

    @property
    def started_from(self) -> datetime:
        return datetime.combine(self.date_from, time.min, tzinfo=self.zone)

    @property
    def started_before(self) -> datetime:
        return datetime.combine(self.date_to + timedelta(days=1), time.min, tzinfo=self.zone)

    @property
    def months(self) -> list[str]:
        """Every month of the range, 'YYYY-MM', oldest first (months without clocks too)."""
        year, month = self.date_from.year, self.date_from.month
        months = []
        while (year, month) <= (self.date_to.year, self.date_to.month):
            months.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return months

    def query(self) -> dict[str, str]:
        """The filters as query parameters (for links to the CSV and the API)."""
        params = {"date_from": self.date_from.isoformat(), "date_to": self.date_to.isoformat()}
        if self.plan is not None:
            params["plan"] = self.plan.key
        if self.customer is not None:
            params["customer"] = str(self.customer.pk)
        return params


def default_range(zone: zoneinfo.ZoneInfo) -> tuple[date, date]:
    """This month and the five before it, up to today (in the tenant's zone)."""
    today = timezone.now().astimezone(zone).date()
    year, month = today.year, today.month - (DEFAULT_MONTHS - 1)
    while month < 1:
        year, month = year - 1, month + 12
    return date(year, month, 1), today


class ReportFilterForm(forms.Form):
    date_from = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    date_to = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    plan = forms.CharField(required=False, max_length=40)
    customer = forms.CharField(required=False, max_length=20)

    def __init__(
        self, data: object, *, plans: list[Plan], customers: list[Customer], zone: object
    ) -> None:
        super().__init__(data)
        self.plans = {plan.key: plan for plan in plans}
        self.customers = {str(customer.pk): customer for customer in customers}
        self.zone = zone

    def clean_plan(self) -> Plan | None:
        key = self.cleaned_data["plan"]
        if not key:
            return None
        if key not in self.plans:
            raise forms.ValidationError("Choose one of the plans.")
        return self.plans[key]

    def clean_customer(self) -> Customer | None:
        value = self.cleaned_data["customer"]
        if not value:
            return None
        # Another tenant's customer id is "not one of yours", exactly like a missing one.
        if not value.isdecimal() or value not in self.customers:
            raise forms.ValidationError("Choose one of the customers.")
        return self.customers[value]

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        default_from, default_to = default_range(self.zone)
        date_from = cleaned.get("date_from") or default_from
        date_to = cleaned.get("date_to") or max(default_to, date_from)
        for name, value in (("date_from", date_from), ("date_to", date_to)):
            if not EARLIEST <= value <= LATEST:
                self.add_error(name, f"Choose a date from {EARLIEST} to {LATEST}.")
        if self.errors:
            return cleaned
        if date_from > date_to:
            self.add_error("date_to", "The end of the range is before its start.")
        elif (date_to.year - date_from.year) * 12 + date_to.month - date_from.month >= MAX_MONTHS:
            self.add_error("date_to", f"Choose a range of at most {MAX_MONTHS} months.")
        cleaned["date_from"], cleaned["date_to"] = date_from, date_to
        return cleaned

    def filters(self) -> ReportFilters:
        data = self.cleaned_data
        return ReportFilters(
            date_from=data["date_from"], date_to=data["date_to"], zone=self.zone,
            plan=data["plan"], customer=data["customer"],
        )  # fmt: skip
