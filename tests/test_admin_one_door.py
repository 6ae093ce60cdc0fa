"""The Django admin is never a second door for SLA configuration (issue #7 item 4).

Calendars, closure dates, plans, priorities, policy versions, targets, policy text and
maintenance windows are read-only in the admin: a change there is refused, and the same change
through the settings pages moves running clocks' deadlines (their services queue the
recompute).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sla.models import Calendar, SlaClock
from tests.conftest import login_as
from tests.sla.factories import TargetFactory, make_ticket, start_clocks
from tests.test_isolation import url_object_factories

pytestmark = pytest.mark.django_db

MON_9 = datetime(2026, 3, 2, 14, tzinfo=UTC)  # Monday 09:00 New York
CONFIG = ["calendar", "closuredate", "plan", "priority", "supportpolicy", "target",
          "policysection", "maintenancewindow"]  # fmt: skip


@pytest.fixture
def admin_client(tenant_client, tenant_admin):
    login_as(tenant_client, tenant_admin)
    return tenant_client


@pytest.fixture
def running_clock(tenant):
    target = TargetFactory(tenant=tenant, duration=timedelta(hours=9))  # Mon-Fri 09-17 NY
    ticket = make_ticket(tenant=tenant, priority=target.priority, plan=target.policy.plan)
    start_clocks(tenant=tenant, ticket=ticket, plan=target.policy.plan, priority=target.priority,
                 at=MON_9)  # fmt: skip
    clock = SlaClock.objects.get(ticket=ticket)
    assert clock.due_at == datetime(2026, 3, 3, 15, tzinfo=UTC)  # Tuesday 10:00
    return clock


CHANGED = {"name": "Long days", "time_zone": "America/New_York", "always_open": "",
           "holiday_country": "", "holiday_subdivision": "", "weekly": '{"0": ["09:00-19:00"]}',
           "monday": "09:00-19:00", "closures": "", "revision": "1"}  # fmt: skip


def test_a_calendar_change_in_the_admin_is_refused_and_through_settings_clocks_follow(
    admin_client, tenant, running_clock, django_capture_on_commit_callbacks
):
    calendar = running_clock.target.calendar
    refused = admin_client.post(f"/admin/sla/calendar/{calendar.pk}/change/", CHANGED)
    assert refused.status_code == 403
    calendar.refresh_from_db()
    assert (calendar.revision, calendar.name) == (1, running_clock.target.calendar.name)
    running_clock.refresh_from_db()
    assert running_clock.due_at == datetime(2026, 3, 3, 15, tzinfo=UTC)

    # The same change through the settings page: revision bumped, clock recomputed.
    with django_capture_on_commit_callbacks(execute=True):
        saved = admin_client.post(f"/settings/sla/calendars/{calendar.pk}/", CHANGED)
    assert saved.status_code == 302 and "/settings/sla/jobs/" in saved["Location"]
    calendar.refresh_from_db()
    assert calendar.revision == 2
    running_clock.refresh_from_db()
    assert running_clock.due_at == datetime(2026, 3, 2, 23, tzinfo=UTC)  # Monday 18:00


def test_sla_configuration_is_read_only_in_the_admin(admin_client, tenant):
    registry = url_object_factories()
    for model in CONFIG:
        label = f"sla.{model}"
        object_id = registry[f"admin:{label}"](tenant)
        base = f"/admin/sla/{model}/"
        assert admin_client.get(base).status_code == 200, label
        assert admin_client.get(f"{base}add/").status_code == 403, label
        assert admin_client.post(f"{base}add/", {"name": "x"}).status_code == 403, label
        page = admin_client.get(f"{base}{object_id}/change/")
        assert page.status_code == 200 and b"Read-only here" in page.content, label
        assert admin_client.post(f"{base}{object_id}/change/", {}).status_code == 403, label
        assert admin_client.post(f"{base}{object_id}/delete/", {"post": "yes"}).status_code == 403
    assert Calendar.objects.for_tenant(tenant).count() >= 1


def test_canned_responses_go_through_one_service(admin_client, tenant, other_tenant):
    """The settings page and the admin both write through tickets/services/canned.py; a title
    clash the form could not see (a concurrent save) is a field error, not a 500."""
    from tickets.models import CannedResponse
    from tickets.services.canned import CannedTitleTaken, canned_delete, canned_save

    assert (
        admin_client.post("/canned/", {"title": "Thanks", "body": "Thank you."}).status_code == 302
    )
    assert admin_client.post("/admin/tickets/cannedresponse/add/",
                             {"title": "Hello", "body": "Hi."}).status_code == 302  # fmt: skip
    titles = set(CannedResponse.objects.for_tenant(tenant).values_list("title", flat=True))
    assert titles == {"Thanks", "Hello"}
    with pytest.raises(CannedTitleTaken):
        canned_save(tenant=tenant, canned=CannedResponse(title=" Thanks ", body="again"))
    canned_save(tenant=other_tenant, canned=CannedResponse(title="Thanks", body="theirs"))
    hello = CannedResponse.objects.for_tenant(tenant).get(title="Hello")
    canned_delete(tenant=other_tenant, canned=hello)  # another tenant's key deletes nothing
    assert CannedResponse.objects.for_tenant(tenant).filter(pk=hello.pk).exists()
