"""Pages show instants in the reader's zone (their own, else the tenant's), and say which."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from notifications.inbound.models import InboundEmail, InboundStatus
from notifications.outbound.models import Suppression
from tests.conftest import login_as

AT = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 10:00 in New York (EST)


@pytest.fixture
def new_york(tenant):
    tenant.time_zone = "America/New_York"
    tenant.save()
    return tenant


@pytest.mark.django_db
def test_admin_pages_show_instants_in_the_readers_zone(client, new_york, tenant_admin):
    row = InboundEmail.objects.create(
        tenant=new_york, esp="SendGrid", envelope_recipient="help@example.test",
        from_address="stranger@example.net", subject="held", message_id="<z@example.net>",
        raw_mime=b"From: stranger@example.net\r\n\r\nhi\r\n", status=InboundStatus.HELD,
        reason="Unknown sender: held for review.", received_at=AT,
    )  # fmt: skip
    Suppression.objects.create(tenant=new_york, email="gone@example.net", reason="bounced")
    Suppression.objects.filter(tenant=new_york).update(created_at=AT + timedelta(hours=1))
    login_as(client, tenant_admin)
    for url, shown in [
        ("/settings/inbound/", "2026-03-02 10:00"),
        (f"/settings/inbound/{row.pk}/raw/", "2026-03-02 10:00"),
    ]:
        page = client.get(url).content.decode()
        assert shown in page and "America/New_York" in page, url
        assert "2026-03-02 15:00" not in page, url
    page = client.get("/settings/notifications/suppressions/").content.decode()
    assert "2026-03-02 11:00" in page and "America/New_York" in page
    # The reader's own zone wins over the tenant's.
    tenant_admin.user.time_zone = "Asia/Tokyo"
    tenant_admin.user.save()
    page = client.get("/settings/inbound/").content.decode()
    assert "2026-03-03 00:00" in page and "Asia/Tokyo" in page
