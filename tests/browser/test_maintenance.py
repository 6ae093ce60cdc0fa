"""In Chromium: a bytez client sees the weekend maintenance banner 72 h ahead and is told once
(the beat scan, run twice); a tenant admin's policy change with 10 days' notice is refused and
one with 31 days announced and shown on the policy page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from playwright.sync_api import expect

from demo.notices import load_demo_notices
from demo.sla_seeds import load_seed_policy
from notifications.outbound.models import Delivery, Notification
from sla.models import MaintenanceNotice, Plan, PolicyChangeNotice
from sla.tasks import maintenance_notices_scan_cross_tenant
from tenants.roles import Role
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from tests.factories import CustomerFactory, MembershipFactory, TenantFactory, client_membership

pytestmark = pytest.mark.django_db(transaction=True)

# Saturday 7 March 2026, 22:00 New York (EST) = Sunday 03:00 UTC; 71 hours before it.
SATURDAY_10PM = datetime(2026, 3, 8, 3, tzinfo=UTC)
AHEAD_71H = SATURDAY_10PM - timedelta(hours=71)


@pytest.fixture
def bytez(db):
    tenant = TenantFactory(slug="bytez", name="BytezTech", time_zone="America/New_York",
                           reference_prefix="BYZ")  # fmt: skip
    load_seed_policy(tenant=tenant, seed="bytez")
    load_demo_notices(tenant=tenant)
    premium = Plan.objects.get(tenant=tenant, key="premium")
    customer = CustomerFactory(tenant=tenant, plan=premium, name="Initrode")
    client = client_membership(tenant, customer, user__email="client@initrode.example")
    boss = client_membership(tenant, customer, role=Role.CLIENT_ADMIN,
                             user__email="boss@initrode.example")  # fmt: skip
    admin = MembershipFactory(tenant=tenant, role=Role.TENANT_ADMIN,
                              user__email="admin@bytez.example")  # fmt: skip
    return {"tenant": tenant, "client": client, "boss": boss, "admin": admin, "plan": premium}


def test_weekend_maintenance_banner_72h_ahead_and_notice_sent_once(bytez, page, tenant_url):
    client = bytez["client"]
    with time_machine.travel(AHEAD_71H, tick=True):
        # The beat job, twice (a second run, or an overlapping one, tells nobody again).
        maintenance_notices_scan_cross_tenant()
        maintenance_notices_scan_cross_tenant()
        # Saturday's occurrence (71 h ahead) and Sunday's (95 h): each told once.
        notices = MaintenanceNotice.objects.filter(recipient=client)
        assert sorted(n.occurrence_start for n in notices) == [
            # Sunday 22:00 is EDT (clocks went forward that morning): 02:00 UTC, not 03:00.
            SATURDAY_10PM, datetime(2026, 3, 9, 2, tzinfo=UTC)]  # fmt: skip
        mail = Notification.objects.filter(recipient=client, kind="maintenance_announced").get(
            subject__contains="Sat 07 Mar"
        )
        assert "Sat 07 Mar 2026 22:00" in mail.subject
        # One delivery per queued transport (email; in-app needs none: the row is its delivery).
        deliveries = Delivery.objects.filter(notification=mail)
        assert deliveries.count() == len({d.transport for d in deliveries}) >= 1

        sign_in(page, tenant_url("bytez", "/accounts/login/"), client.user.email, PASSWORD)
        page.goto(tenant_url("bytez", "/tickets/"))
        banner = page.locator(".banner.maintenance")
        expect(banner).to_contain_text("Scheduled maintenance")
        expect(banner).to_contain_text("Sat 07 Mar 2026 22:00")
        expect(banner).to_contain_text("America/New_York")
        expect(banner).to_contain_text("Routine updates and patches")


def test_policy_change_refused_at_10_days_and_announced_at_31(bytez, page, tenant_url):
    now = datetime(2026, 3, 2, 15, tzinfo=UTC)
    with time_machine.travel(now, tick=True):
        admin = bytez["admin"]
        sign_in(page, tenant_url("bytez", "/accounts/login/"), admin.user.email, PASSWORD)
        url = tenant_url("bytez", f"/settings/sla/plans/{bytez['plan'].pk}/policies/new/")
        page.goto(url)
        page.fill(
            "input[name=effective_from]", (now + timedelta(days=10)).strftime("%Y-%m-%d %H:%M")
        )
        page.fill("input[name=warning_thresholds]", "50")
        page.click("main button[type=submit]")
        expect(page.locator(".field.has-error")).to_contain_text("30 days' notice")
        assert not PolicyChangeNotice.objects.exists()

        page.fill(
            "input[name=effective_from]", (now + timedelta(days=31)).strftime("%Y-%m-%d %H:%M")
        )
        page.fill("input[name=summary]" if page.locator("input[name=summary]").count()
                  else "textarea[name=summary]", "P2 within 2 business hours")  # fmt: skip
        page.click("main button[type=submit]")
        page.wait_for_url("**/settings/sla/policies/*/")
        told = set(PolicyChangeNotice.objects.values_list("recipient_id", flat=True))
        assert told == {bytez["boss"].pk}  # the client admin (and named contacts), not clients
        page.goto(tenant_url("bytez", "/policy/"))
        expect(page.locator("body")).to_contain_text("version 2 takes effect on 2 Apr 2026")
