"""Policy changes kept: the notice period (bytez: 30 days), the recorded emergency override,
absurd dates refused as field errors, announcements once per version and person, and tickets
opened before a change keeping their version."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from demo.sla_seeds import load_seed_policy
from notifications.outbound.models import Notification
from sla import configuration
from sla.models import (
    PolicyChangeNotice,
    PolicyNoticeOverride,
    Priority,
    SlaClock,
    SupportPolicy,
    Target,
    TenantSlaSettings,
)
from sla.notices import policy_change_announce
from tenants.roles import Role
from tests.conftest import login_as
from tests.factories import CustomerFactory, client_membership
from tests.sla.factories import make_ticket, start_clocks

NOW = datetime(2026, 3, 2, 15, tzinfo=UTC)


@pytest.fixture
def bytez(tenant):
    load_seed_policy(tenant=tenant, seed="bytez")
    TenantSlaSettings.objects.create(tenant=tenant, policy_change_notice_days=30)
    tenant.time_zone = "America/New_York"
    tenant.save(update_fields=["time_zone"])
    return tenant


def _plan(tenant, key):
    from sla.models import Plan

    return Plan.objects.get(tenant=tenant, key=key)


@pytest.fixture
def people(bytez):
    """A premium customer's admin, named contact and plain client; a standard customer's admin."""
    customer = CustomerFactory(tenant=bytez, plan=_plan(bytez, "premium"), name="Initrode")
    admin = client_membership(bytez, customer, role=Role.CLIENT_ADMIN, user__email="a@i.example")
    contact = client_membership(bytez, customer, user__email="contact@i.example")
    plain = client_membership(bytez, customer, user__email="plain@i.example")
    customer.primary_contact = contact
    customer.save(update_fields=["primary_contact"])
    other = CustomerFactory(tenant=bytez, plan=_plan(bytez, "standard"), name="Hooli")
    elsewhere = client_membership(bytez, other, role=Role.CLIENT_ADMIN,
                                  user__email="a@hooli.example")  # fmt: skip
    return {"admin": admin, "contact": contact, "plain": plain, "elsewhere": elsewhere}


@pytest.fixture
def admin_client(tenant_client, tenant_admin):
    login_as(tenant_client, tenant_admin)
    return tenant_client


def _new_url(tenant):
    return f"/settings/sla/plans/{_plan(tenant, 'premium').pk}/policies/new/"


def _local(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%d %H:%M")


@time_machine.travel(NOW, tick=False)
def test_ten_days_notice_is_refused_with_a_clear_field_error(admin_client, bytez, people):
    data = {"effective_from": _local(NOW + timedelta(days=10)), "warning_thresholds": "50"}
    response = admin_client.post(_new_url(bytez), data)
    assert response.status_code == 400
    error = response.context["form"].errors["effective_from"][0]
    assert "30 days' notice" in error and "2026-04-01" in error
    assert SupportPolicy.objects.filter(tenant=bytez, plan__key="premium").count() == 1
    assert not PolicyChangeNotice.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_thirty_one_days_is_announced_to_admins_and_contacts_once(admin_client, bytez, people):
    data = {"effective_from": _local(NOW + timedelta(days=31)), "warning_thresholds": "50",
            "summary": "P2 within 2 business hours"}  # fmt: skip
    assert admin_client.post(_new_url(bytez), data).status_code == 302
    version = SupportPolicy.objects.get(tenant=bytez, plan__key="premium", version=2)
    told = set(PolicyChangeNotice.objects.filter(policy=version)
               .values_list("recipient_id", flat=True))  # fmt: skip
    assert told == {people["admin"].pk, people["contact"].pk}
    mails = Notification.objects.filter(kind="policy_change_announced")
    assert {m.recipient_id for m in mails} == told
    mail = mails.first()
    # The date in the tenant's zone: 15:00 UTC is 11:00 in New York on 2 April (EDT).
    assert "version 2" in mail.subject and "Premium" in mail.subject
    assert "Thu 02 Apr 2026 11:00 (America/New_York)" in mail.body
    assert "P2 within 2 business hours" in mail.body and "EMERGENCY" not in mail.body
    # Run again: nobody is told twice.
    assert policy_change_announce(tenant=bytez, policy=version) == 0
    assert Notification.objects.filter(kind="policy_change_announced").count() == 2


@time_machine.travel(NOW, tick=False)
def test_an_emergency_override_is_recorded_with_who_and_why(
    admin_client, bytez, people, tenant_admin
):
    data = {"effective_from": _local(NOW + timedelta(days=10)), "warning_thresholds": "50",
            "emergency": "on"}  # fmt: skip
    no_reason = admin_client.post(_new_url(bytez), data)
    assert no_reason.status_code == 400
    assert "emergency_reason" in no_reason.context["form"].errors
    data["emergency_reason"] = "Regulator's deadline"
    assert admin_client.post(_new_url(bytez), data).status_code == 302
    override = PolicyNoticeOverride.objects.get(tenant=bytez)
    assert override.by == tenant_admin and override.reason == "Regulator's deadline"
    assert override.notice_days_promised == 30 and override.policy.version == 2
    mail = Notification.objects.filter(kind="policy_change_announced").first()
    assert mail.subject.startswith("Emergency policy change")
    assert "Regulator's deadline" in mail.body


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("when", ["9999-12-31 23:59", "2036-01-01 00:00", "2020-01-01 00:00"])
def test_absurd_and_past_dates_are_field_errors(admin_client, bytez, when):
    response = admin_client.post(_new_url(bytez), {"effective_from": when,
                                                   "warning_thresholds": "50"})  # fmt: skip
    assert response.status_code == 400
    assert "effective_from" in response.context["form"].errors


def test_the_service_refuses_too_little_notice_and_accepts_an_override(bytez, people):
    plan = _plan(bytez, "premium")
    with pytest.raises(configuration.PolicyNoticeTooShort) as refused:
        configuration.policy_version_create(
            tenant=bytez, plan=plan, new=SupportPolicy(effective_from=NOW + timedelta(days=29)),
            now=NOW,
        )  # fmt: skip
    assert refused.value.field == "effective_from"
    version = configuration.policy_version_create(
        tenant=bytez, plan=plan, new=SupportPolicy(effective_from=NOW + timedelta(days=29)),
        now=NOW, override_reason="Outage fix", by=people["admin"],
    )  # fmt: skip
    assert version.notice_override.reason == "Outage fix"


def test_tickets_opened_before_a_change_keep_their_version(bytez, people):
    plan = _plan(bytez, "premium")
    priority = Priority.objects.filter(tenant=bytez).order_by("order").first()
    v1 = SupportPolicy.objects.get(tenant=bytez, plan=plan)
    effective = NOW + timedelta(days=31)
    v2 = configuration.policy_version_create(
        tenant=bytez, plan=plan, new=SupportPolicy(effective_from=effective), source=v1, now=NOW
    )
    Target.objects.filter(policy=v2).update(duration=timedelta(hours=2))
    before = make_ticket(tenant=bytez, priority=priority, plan=plan, created_at=NOW)
    assert start_clocks(tenant=bytez, ticket=before, plan=plan, priority=priority, at=NOW) == v1
    after_at = effective + timedelta(hours=1)
    after = make_ticket(tenant=bytez, priority=priority, plan=plan, created_at=after_at)
    assert start_clocks(tenant=bytez, ticket=after, plan=plan, priority=priority,
                        at=after_at) == v2  # fmt: skip
    before.refresh_from_db()
    assert before.policy == v1
    old_clock = SlaClock.objects.get(ticket=before, metric="first_response")
    new_clock = SlaClock.objects.get(ticket=after, metric="first_response")
    assert old_clock.target.policy == v1 and new_clock.target.policy == v2
    assert old_clock.target_duration != new_clock.target_duration
