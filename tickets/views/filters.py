"""Query-string filters → TicketFilters, shared by the queue page, the portal and the API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tenants.input_guard import query_int

from ..models import Status
from ..selectors import SAVED_VIEWS, TicketFilters

BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def _int(params: Mapping[str, Any], name: str, errors: dict[str, str]) -> int | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    value = query_int(raw)
    if value is None:
        errors[name] = "A whole number."
    return value


def filters_from_params(params: Mapping[str, Any]) -> tuple[TicketFilters, dict[str, str]]:
    errors: dict[str, str] = {}
    raw_status = (params.get("status") or "").strip()
    statuses = [s for s in raw_status.split(",") if s] if raw_status not in ("", "open") else []
    if any(s not in Status.values for s in statuses):
        errors["status"] = f"Statuses: {', '.join(Status.values)} (comma-separated)."
    breached_raw = (params.get("breached") or "").strip().lower()
    breached = BOOLEANS.get(breached_raw) if breached_raw else None
    if breached_raw and breached is None:
        errors["breached"] = "true or false."
    view = (params.get("view") or "").strip()
    if view and view not in SAVED_VIEWS:
        errors["view"] = f"One of {', '.join(SAVED_VIEWS)}."
    filters = TicketFilters(
        statuses=statuses,
        open_only=raw_status == "open",
        priority=(params.get("priority") or "").strip(),
        plan=(params.get("plan") or "").strip(),
        customer=_int(params, "customer", errors),
        assignee=(params.get("assignee") or "").strip(),
        tier=_int(params, "tier", errors),
        category=(params.get("category") or "").strip(),
        breached=breached,
        q=(params.get("q") or "").strip()[:200],
        view=view,
    )
    return filters, errors
