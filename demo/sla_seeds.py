"""The seed tenants' support policies as configuration (seed-policies.md).

`load_seed_policy(tenant=..., seed=...)` creates a tenant's calendars, priorities, plans,
versioned policies, targets, maintenance windows and policy-page prose. Idempotent: rows are
found by their natural keys and left alone when they exist, so running it again changes
nothing (and never overwrites what a tenant admin has since edited).

Targets: the seed documents give first-response times only, so only first-response targets
are seeded. Resolution and next-response are left unset on purpose: inventing promises the
documents do not make would publish them on the policy page. A plan without a target simply
has no clock for that metric (the API shows null). Tenants add them in the settings.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from django.db import transaction

from demo.seed_texts import LEGACY_SILENT, SECTIONS
from sla.models import (
    Calendar,
    MaintenanceWindow,
    Metric,
    Plan,
    PolicySection,
    Priority,
    SectionKey,
    SupportPolicy,
    Target,
)
from tenants.models import Tenant

# Version 1 of every seed policy took effect before any demo ticket exists.
SEED_EFFECTIVE_FROM = datetime(2024, 1, 1, tzinfo=UTC)
WARNING_THRESHOLDS = [50, 75]
BUSINESS = "Business hours"
ALWAYS = "24/7"


def _weekdays(interval: str, days: range = range(5)) -> dict[str, list[str]]:
    return {str(day): [interval] for day in days}


def _h(hours: float) -> timedelta:
    return timedelta(hours=hours)


P = dict[str, tuple[timedelta, str]]  # priority key -> (first-response duration, calendar)

BITCRAFT_TARGETS: P = {
    # "Immediate attention" outside hours: critical runs on the 24/7 calendar.
    "critical": (_h(1), ALWAYS),
    "high": (_h(4), BUSINESS),
    "medium": (_h(24), BUSINESS),
    "low": (_h(48), BUSINESS),
}

SEEDS: dict[str, dict[str, Any]] = {
    "bitcraft": {
        "calendars": [
            {"name": BUSINESS, "time_zone": "Asia/Kolkata",
             "weekly": _weekdays("10:00-18:00")},
            {"name": ALWAYS, "time_zone": "Asia/Kolkata", "always_open": True},
        ],
        "priorities": [
            ("critical", "Critical",
             "Issues causing a significant disruption to business operations."),
            ("high", "High",
             "Issues impacting essential functionality but not causing a complete system "
             "failure."),
            ("medium", "Medium", "Non-critical issues affecting specific features or "
             "functionalities."),
            ("low", "Low", "General inquiries, feature requests, or minor issues with minimal "
             "impact on operations."),
        ],
        "plans": [
            {"key": "standard", "name": "Standard", "channels": ["email", "portal"],
             "targets": BITCRAFT_TARGETS},
            {"key": "premium", "name": "Premium", "channels": ["email", "portal", "phone"],
             "description": "Standard targets plus dedicated phone support during business "
             "hours.", "targets": BITCRAFT_TARGETS},
        ],
        "maintenance": [],
    },
    "bytez": {
        "calendars": [
            {"name": "US business hours", "time_zone": "America/New_York",
             "weekly": _weekdays("09:00-18:00"), "holiday_country": "US"},
            {"name": ALWAYS, "time_zone": "America/New_York", "always_open": True},
        ],
        "priorities": [
            ("critical", "Critical (P1)", "System is down or unusable. No workaround exists. "
             "Business operations severely impacted."),
            ("high", "High (P2)", "Major functionality impaired. Limited workaround "
             "available. Significant business impact."),
            ("medium", "Medium (P3)", "Important functionality affected. Workaround "
             "available. Moderate business impact."),
            ("low", "Low (P4)", "Minor issue or question. Non-critical functionality "
             "affected. Minimal business impact."),
        ],
        "plans": [
            {"key": "standard", "name": "Standard", "channels": ["email", "portal", "phone"],
             "targets": {
                 "critical": (_h(4), "US business hours"),
                 "high": (_h(8), "US business hours"),
                 "medium": (_h(18), "US business hours"),  # 2 business days of 9 h
                 "low": (_h(27), "US business hours"),  # 3 business days
             }},
            {"key": "premium", "name": "Premium", "channels": ["email", "portal", "phone"],
             "description": "Emergency support 24/7 for critical issues; priority phone line.",
             "targets": {
                 "critical": (_h(1), ALWAYS),
                 "high": (_h(4), "US business hours"),
                 "medium": (_h(9), "US business hours"),  # 1 business day
                 "low": (_h(18), "US business hours"),  # 2 business days
             }},
        ],
        "maintenance": [
            {"name": "Weekend maintenance", "weekdays": [5, 6], "starts": time(22),
             "ends": time(4), "time_zone": "America/New_York", "notice_hours": 72,
             # The window's days, hours and notice are shown from the row itself.
             "description": "Emergency maintenance may be performed with shorter notice for "
             "critical security updates."},
        ],
    },
    "ionetech": {
        "calendars": [
            {"name": BUSINESS, "time_zone": "Asia/Phnom_Penh",
             "weekly": {**_weekdays("08:00-18:00"), "5": ["09:00-13:00"]}},
        ],
        "priorities": [
            ("critical", "Critical", "High-impact issues affecting core functionality or "
             "security; infrastructure failures; security breaches; billing errors affecting "
             "critical services."),
            ("high", "High", "Urgent issues causing significant disruption; urgent billing "
             "inquiries, scheduled maintenance or urgent updates, urgent security patches."),
            ("medium", "Medium", "Important but not critical; routine maintenance and "
             "security checks; non-urgent billing queries."),
            ("low", "Low", "Minor issues with minimal impact; general billing, "
             "infrastructure or security inquiries."),
        ],
        "plans": [
            # seed 002, "Support Channels": email, phone, live chat.
            {"key": "standard", "name": "Standard", "channels": ["email", "phone", "chat"],
             "targets": {
                 "critical": (_h(1), BUSINESS),
                 "high": (_h(4), BUSINESS),
                 "medium": (_h(24), BUSINESS),
                 "low": (_h(48), BUSINESS),
             }},
        ],
        "maintenance": [],
    },
    "cloudops": {
        "calendars": [
            {"name": "US Central business hours", "time_zone": "America/Chicago",
             "weekly": _weekdays("08:00-17:00"), "holiday_country": "US"},
            {"name": ALWAYS, "time_zone": "America/Chicago", "always_open": True},
        ],
        "priorities": [
            ("high", "High", "The issue is preventing the customer from conducting business "
             "operations."),
            ("medium", "Medium", "The issue is causing significant inconvenience to the "
             "customer but is not preventing business operations."),
            ("low", "Low", "The issue is causing minimal inconvenience to the customer."),
        ],
        "plans": [
            # seed 003 lists email as the one channel of both plans.
            {"key": "standard", "name": "Standard", "channels": ["email"],
             "targets": {
                 key: (_h(9), "US Central business hours") for key in ("high", "medium", "low")
             }},
            {"key": "enterprise", "name": "Enterprise", "channels": ["email"],
             "description": "24x7 support, including holidays.",
             "targets": {
                 key: (timedelta(minutes=30), ALWAYS) for key in ("high", "medium", "low")
             }},
        ],
        "maintenance": [],
    },
}  # fmt: skip


@transaction.atomic
def load_seed_policy(*, tenant: Tenant, seed: str) -> list[Plan]:
    spec = SEEDS[seed]
    calendars = {c["name"]: _calendar(tenant, c) for c in spec["calendars"]}
    priorities = {}
    for order, (key, label, definition) in enumerate(spec["priorities"]):
        priorities[key], _ = Priority.objects.for_tenant(tenant).get_or_create(
            tenant=tenant, key=key,
            defaults={"label": label, "definition": definition, "order": order},
        )  # fmt: skip
    plans = []
    for order, plan_spec in enumerate(spec["plans"]):
        plan, _ = Plan.objects.for_tenant(tenant).get_or_create(
            tenant=tenant, key=plan_spec["key"],
            defaults={"name": plan_spec["name"], "channels": plan_spec["channels"],
                      "description": plan_spec.get("description", ""), "order": order},
        )  # fmt: skip
        _policy(tenant, plan, plan_spec["targets"], priorities, calendars)
        plans.append(plan)
    for window in spec["maintenance"]:
        MaintenanceWindow.objects.for_tenant(tenant).get_or_create(
            tenant=tenant, name=window["name"], defaults=window
        )
    for order, key in enumerate(SectionKey.values):
        PolicySection.objects.for_tenant(tenant).get_or_create(
            tenant=tenant, key=key,
            defaults={"title": SectionKey(key).label, "order": order,
                      "body": SECTIONS[seed].get(key, "")},
        )  # fmt: skip
    # Sections an older loader filled with the "no statement" sentence say nothing now (the
    # page names them once); a tenant-edited text is never this sentence word for word.
    PolicySection.objects.for_tenant(tenant).filter(body=LEGACY_SILENT).update(body="")
    return plans


def _calendar(tenant: Tenant, spec: dict[str, Any]) -> Calendar:
    calendar, _ = Calendar.objects.for_tenant(tenant).get_or_create(
        tenant=tenant,
        name=spec["name"],
        defaults={
            "time_zone": spec["time_zone"],
            "always_open": spec.get("always_open", False),
            "weekly": spec.get("weekly", {}),
            "holiday_country": spec.get("holiday_country", ""),
        },
    )
    return calendar


def _policy(
    tenant: Tenant,
    plan: Plan,
    targets: P,
    priorities: dict[str, Priority],
    calendars: dict[str, Calendar],
) -> SupportPolicy:
    policy, _ = SupportPolicy.objects.for_tenant(tenant).get_or_create(
        tenant=tenant, plan=plan, version=1,
        defaults={"effective_from": SEED_EFFECTIVE_FROM, "summary": "Initial policy.",
                  "warning_thresholds": WARNING_THRESHOLDS},
    )  # fmt: skip
    for key, (duration, calendar_name) in targets.items():
        Target.objects.for_tenant(tenant).get_or_create(
            tenant=tenant, policy=policy, priority=priorities[key],
            metric=Metric.FIRST_RESPONSE,
            defaults={"duration": duration, "calendar": calendars[calendar_name]},
        )  # fmt: skip
    return policy
