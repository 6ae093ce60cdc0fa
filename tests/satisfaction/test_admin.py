"""Tenant admins switch CSAT on in the admin (through the settings service); surveys there are
read-only."""

from __future__ import annotations

import pytest

from satisfaction.models import SatisfactionSettings
from satisfaction.services import settings_for
from tests.conftest import login_as

pytestmark = pytest.mark.django_db


def test_a_tenant_admin_switches_csat_on(client, tenant, tenant_admin):
    assert settings_for(tenant=tenant).enabled is False  # off until switched on
    login_as(client, tenant_admin)
    response = client.post(
        "/admin/satisfaction/satisfactionsettings/add/",
        {"enabled": "on", "delay_minutes": "30", "valid_days": "7"},
    )
    assert response.status_code == 302, response.content[:2000]
    row = SatisfactionSettings.objects.get(tenant=tenant)
    assert (row.enabled, row.delay_minutes, row.valid_days) == (True, 30, 7)


def test_bad_settings_are_refused_with_the_error(client, tenant, tenant_admin):
    login_as(client, tenant_admin)
    response = client.post(
        "/admin/satisfaction/satisfactionsettings/add/",
        {"enabled": "on", "delay_minutes": "-5", "valid_days": "0"},
    )
    assert response.status_code == 200
    assert b"errorlist" in response.content
    assert not SatisfactionSettings.objects.exists()


def test_surveys_cannot_be_added_in_the_admin(client, tenant_admin):
    login_as(client, tenant_admin)
    assert client.get("/admin/satisfaction/survey/add/").status_code == 403
