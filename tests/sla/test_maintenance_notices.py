"""Maintenance notices: announced once per occurrence and recipient (also under concurrent
scans), told again when an occurrence moves or the window is cancelled; the emergency rule;
the portal banner before and during a window."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.db import connection

from notifications.outbound.models import Notification
from sla import configuration
from sla.models import MaintenanceNotice, MaintenanceWindow, NoticeKind, TenantSlaSettings
from sla.notices import maintenance_banners, maintenance_notices_scan
from sla.tasks import maintenance_notices_scan_cross_tenant
from tenants.roles import Role
from tests.conftest import login_as
from tests.factories import CustomerFactory, MembershipFactory, client_membership

NOW = datetime(2026, 3, 2, 15, tzinfo=UTC)  # Monday 10:00 New York


@pytest.fixture
def clients(tenant, customer, client_user, client_admin, other_client):
    return [client_user, client_admin, other_client]


def _one_off(tenant, start, hours=2, notice=24, **kwargs) -> MaintenanceWindow:
    window = MaintenanceWindow(
        name=kwargs.pop("name", "DB upgrade"), time_zone="America/New_York", starts=time(0),
        ends=time(2), one_off_start=start, one_off_end=start + timedelta(hours=hours),
        notice_hours=notice, **kwargs,
    )  # fmt: skip
    configuration.maintenance_window_save(tenant=tenant, window=window)
    return window


def _notices(kind=NoticeKind.ANNOUNCED):
    return MaintenanceNotice.objects.filter(kind=kind)


def test_announced_once_per_occurrence_and_recipient(tenant, clients):
    MembershipFactory(tenant=tenant, role=Role.AGENT)  # staff are not clients: not told
    window = _one_off(tenant, NOW + timedelta(hours=30))
    first = maintenance_notices_scan(tenant=tenant, now=NOW)
    assert first.announced == 3
    again = maintenance_notices_scan(tenant=tenant, now=NOW + timedelta(minutes=10))
    assert again.announced == 0
    assert _notices().count() == 3
    sent = Notification.objects.filter(tenant=tenant, kind="maintenance_announced")
    assert sorted(n.recipient_id for n in sent) == sorted(m.pk for m in clients)
    body = sent.first().body
    assert "DB upgrade" in body and "(America/New_York)" in body
    assert "Tue 03 Mar 2026 16:00" in body  # 21:00 UTC, in the window's zone
    assert all(n.occurrence_start == window.one_off_start for n in _notices())


def test_announced_at_least_the_notice_ahead_and_not_long_before(tenant, clients):
    rule_start = datetime(2026, 3, 8, 3, tzinfo=UTC)  # Saturday 7 March 22:00 New York
    configuration.maintenance_window_save(tenant=tenant, window=MaintenanceWindow(
        name="Weekend", weekdays=[5, 6], starts=time(22), ends=time(4),
        time_zone="America/New_York", notice_hours=72))  # fmt: skip
    too_early = rule_start - timedelta(hours=72 + 24 + 1)
    assert maintenance_notices_scan(tenant=tenant, now=too_early).announced == 0
    in_time = rule_start - timedelta(hours=72 + 23)
    assert maintenance_notices_scan(tenant=tenant, now=in_time).announced == 3
    notice = _notices().first()
    assert notice.occurrence_start == rule_start
    assert notice.occurrence_start - notice.sent_at >= timedelta(hours=72)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_scans_send_each_notice_once(tenant, clients):
    _one_off(tenant, NOW + timedelta(hours=30))
    barrier = threading.Barrier(2)
    results, errors = [], []

    def scan():
        try:
            barrier.wait(timeout=10)
            results.append(maintenance_notices_scan(tenant=tenant, now=NOW))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=scan) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert sum(r.announced for r in results) == 3
    assert MaintenanceNotice.objects.filter(tenant=tenant).count() == 3
    assert Notification.objects.filter(tenant=tenant, kind="maintenance_announced").count() == 3


def test_a_moved_window_is_announced_again_and_the_move_told(tenant, clients):
    window = _one_off(tenant, NOW + timedelta(hours=30))
    maintenance_notices_scan(tenant=tenant, now=NOW)
    window.one_off_start += timedelta(hours=4)
    window.one_off_end += timedelta(hours=4)
    configuration.maintenance_window_save(tenant=tenant, window=window)
    result = maintenance_notices_scan(tenant=tenant, now=NOW + timedelta(minutes=10))
    assert (result.moved, result.announced) == (3, 3)
    moved = Notification.objects.filter(kind="maintenance_moved").first()
    assert "has moved" in moved.body and "Tue 03 Mar 2026 20:00" in moved.body  # the new time
    again = maintenance_notices_scan(tenant=tenant, now=NOW + timedelta(minutes=20))
    assert (again.moved, again.announced) == (0, 0)


@time_machine.travel(NOW, tick=False)
def test_a_cancelled_window_is_told_once_to_those_told_of_it(tenant, clients):
    window = _one_off(tenant, NOW + timedelta(hours=30))
    maintenance_notices_scan(tenant=tenant, now=NOW)
    late = client_membership(tenant, CustomerFactory(tenant=tenant), user__email="new@x.example")
    assert configuration.maintenance_window_delete(tenant=tenant, window=window) == "cancelled"
    result = maintenance_notices_scan(tenant=tenant, now=NOW + timedelta(minutes=10))
    assert result.cancelled == 3
    told = set(_notices(NoticeKind.CANCELLED).values_list("recipient_id", flat=True))
    assert late.pk not in told and len(told) == 3
    assert maintenance_notices_scan(tenant=tenant, now=NOW + timedelta(hours=1)).cancelled == 0
    assert Notification.objects.filter(kind="maintenance_cancelled").count() == 3


def test_a_window_nobody_was_told_about_is_simply_deleted(tenant, clients):
    window = _one_off(tenant, NOW + timedelta(days=30))
    assert configuration.maintenance_window_delete(tenant=tenant, window=window) == "deleted"
    assert not MaintenanceWindow.objects.filter(pk=window.pk).exists()


def test_the_beat_task_scans_every_tenant_with_a_window(tenant, other_tenant, clients):
    _one_off(tenant, datetime.now(UTC) + timedelta(hours=10))
    assert maintenance_notices_scan_cross_tenant() == 3
    assert maintenance_notices_scan_cross_tenant() == 0


# --------------------------------------------------------------------------- the form


@pytest.fixture
def admin_client(tenant_client, tenant_admin):
    login_as(tenant_client, tenant_admin)
    return tenant_client


ONE_OFF = {"name": "Urgent patch", "kind": "one_off", "one_off_start_local": "2026-03-02 20:00",
           "one_off_end_local": "2026-03-02 22:00", "time_zone": "America/New_York",
           "notice_hours": "72", "message": "Security patch"}  # fmt: skip


@time_machine.travel(NOW, tick=False)
def test_less_notice_than_promised_is_refused_unless_emergency(admin_client, tenant, clients):
    refused = admin_client.post("/settings/sla/maintenance/new/", ONE_OFF)
    assert refused.status_code == 400
    error = refused.context["form"].errors["emergency"][0]
    assert "less than the 72 hours' notice" in error and "Mon 02 Mar 2026 20:00" in error
    no_reason = admin_client.post("/settings/sla/maintenance/new/", {**ONE_OFF, "emergency": "on"})
    assert no_reason.status_code == 400 and "emergency_reason" in no_reason.context["form"].errors
    ok = admin_client.post(
        "/settings/sla/maintenance/new/",
        {**ONE_OFF, "emergency": "on", "emergency_reason": "CVE-2026-1"},
    )
    assert ok.status_code == 302
    window = MaintenanceWindow.objects.get(tenant=tenant, name="Urgent patch")
    assert window.emergency and window.one_off_start == datetime(2026, 3, 3, 1, tzinfo=UTC)
    listing = admin_client.get("/settings/sla/maintenance/").content.decode()
    assert "Emergency" in listing
    maintenance_notices_scan(tenant=tenant, now=NOW)
    mail = Notification.objects.filter(kind="maintenance_announced").first()
    assert mail.subject.startswith("Emergency maintenance")
    assert "EMERGENCY MAINTENANCE" in mail.body and "CVE-2026-1" in mail.body


@time_machine.travel(NOW, tick=False)
def test_a_recurring_window_starts_once_its_notice_has_run(admin_client, tenant):
    data = {"name": "Weekend", "weekdays": ["5", "6"], "starts": "22:00", "ends": "04:00",
            "time_zone": "America/New_York", "notice_hours": "72"}  # fmt: skip
    assert admin_client.post("/settings/sla/maintenance/new/", data).status_code == 302
    window = MaintenanceWindow.objects.get(tenant=tenant, name="Weekend")
    assert window.active_from == NOW + timedelta(hours=72)


@time_machine.travel(NOW, tick=False)
def test_bad_window_input_is_field_errors(admin_client):
    bad = {**ONE_OFF, "one_off_end_local": "2026-03-02 19:00", "emergency": "on",
           "emergency_reason": "x"}  # fmt: skip
    response = admin_client.post("/settings/sla/maintenance/new/", bad)
    assert response.status_code == 400 and "one_off_end_local" in response.context["form"].errors
    far = {**ONE_OFF, "one_off_start_local": "9999-01-01 00:00",
           "one_off_end_local": "9999-01-01 02:00"}  # fmt: skip
    response = admin_client.post("/settings/sla/maintenance/new/", far)
    assert response.status_code == 400 and "one_off_start_local" in response.context["form"].errors


# --------------------------------------------------------------------------- the banner


def test_banner_before_within_the_notice_and_during(tenant_client, tenant, client_user):
    _one_off(tenant, NOW + timedelta(hours=30), notice=24, message="Portal read-only")
    login_as(tenant_client, client_user)
    with time_machine.travel(NOW, tick=False):
        assert maintenance_banners(tenant=tenant) == []  # 30 h ahead, notice 24 h
        assert "Scheduled maintenance" not in tenant_client.get("/tickets/").content.decode()
    with time_machine.travel(NOW + timedelta(hours=7), tick=False):
        page = tenant_client.get("/tickets/").content.decode()
        assert "Scheduled maintenance" in page and "Portal read-only" in page
        assert "Tue 03 Mar 2026 16:00" in page
    with time_machine.travel(NOW + timedelta(hours=31), tick=False):
        page = tenant_client.get("/tickets/").content.decode()
        assert "Maintenance in progress" in page
    with time_machine.travel(NOW + timedelta(hours=33), tick=False):
        assert "maintenance" not in tenant_client.get("/tickets/").content.decode().lower()


def test_the_banner_costs_one_query_then_none_until_a_window_changes(
    tenant, django_assert_num_queries, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _one_off(tenant, NOW + timedelta(hours=3))
    with django_assert_num_queries(1):
        banners = maintenance_banners(tenant=tenant, now=NOW)
    with django_assert_num_queries(0):
        assert maintenance_banners(tenant=tenant, now=NOW) == banners
    with django_capture_on_commit_callbacks(execute=True):
        _one_off(tenant, NOW + timedelta(hours=5), name="Second")
    with django_assert_num_queries(1):
        banners = maintenance_banners(tenant=tenant, now=NOW)
    assert [b.window.name for b in banners] == ["DB upgrade", "Second"]


def test_the_tenant_sets_its_promises_on_the_maintenance_page(admin_client, tenant):
    page = admin_client.get("/settings/sla/maintenance/")
    assert page.status_code == 200 and "policy_change_notice_days" in page.content.decode()
    bad = admin_client.post("/settings/sla/maintenance/", {"policy_change_notice_days": "9999"})
    assert bad.status_code == 400 and "policy_change_notice_days" in bad.context["form"].errors
    ok = admin_client.post("/settings/sla/maintenance/", {
        "pause_clocks_in_maintenance": "on", "policy_change_notice_days": "30"})  # fmt: skip
    assert ok.status_code == 302
    stored = TenantSlaSettings.objects.get(tenant=tenant)
    assert stored.pause_clocks_in_maintenance and stored.policy_change_notice_days == 30
