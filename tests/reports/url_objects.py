"""Objects for the route-walking isolation test: one factory per URL kwarg of the report routes."""

from __future__ import annotations

from tests.factories import CustomerFactory

URL_OBJECTS = {
    "customer_id": lambda tenant: CustomerFactory(tenant=tenant).pk,
    "month": lambda tenant: "2026-03",
}
