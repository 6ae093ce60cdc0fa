"""Policy page, settings pages (validation → 400 with field errors) and the SLA API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from demo.sla_seeds import load_seed_policy
from sla import configuration
from sla.models import (
    Calendar,
    ClockStatus,
    Metric,
    Plan,
    Priority,
    SlaClock,
    SupportPolicy,
    Target,
)
from tests.conftest import login_as
from tests.sla.factories import CalendarFactory, TargetFactory, make_ticket, start_clocks
from tickets.models import Ticket


@pytest.fixture
def bytez(tenant):
    load_seed_policy(tenant=tenant, seed="bytez")
    return tenant


def test_the_policy_page_is_public_and_generated_from_configuration(tenant_client, bytez):
    response = tenant_client.get("/policy/")
    assert response.status_code == 200
    page = response.content.decode()
    for text in (
        "Critical (P1)", "System is down or unusable", "4h (business hours)", "1h (24/7)",
        "27h (business hours)", "Monday–Friday 09:00-18:00 (America/New_York)",
        "Thanksgiving", "Weekend maintenance", "at least 72 hours ahead",
        "Data recovery services", "Limitation of liability", "version 1, in force since",
        "Support Management team",
    ):  # fmt: skip
        assert text in page, text


def test_the_policy_page_404s_without_a_tenant(client, db):
    assert client.get("/policy/").status_code == 404


def test_a_target_change_shows_on_the_page_and_in_a_new_tickets_clock(
    tenant_client, tenant_admin, bytez, django_capture_on_commit_callbacks
):
    target = Target.objects.get(
        tenant=bytez, policy__plan__key="standard", priority__key="critical"
    )
    login_as(tenant_client, tenant_admin)
    data = {"priority": target.priority_id, "metric": Metric.FIRST_RESPONSE,
            "calendar": target.calendar_id, "duration_hours": 2,
            "duration_minutes": 30}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = tenant_client.post(f"/settings/sla/targets/{target.pk}/", data)
    assert response.status_code == 302
    assert "2h 30m (business hours)" in tenant_client.get("/policy/").content.decode()

    plan = Plan.objects.get(tenant=bytez, key="standard")
    created = datetime(2026, 3, 2, 14, tzinfo=UTC)  # Monday 09:00 New York
    ticket = make_ticket(tenant=bytez, priority=target.priority, plan=plan, created_at=created)
    start_clocks(tenant=bytez, ticket=ticket, plan=plan, priority=target.priority, at=created)
    assert SlaClock.objects.get(ticket=ticket).due_at == created + timedelta(hours=2, minutes=30)


BAD_CALENDARS = [
    ({"monday": "09:00-12:00, 11:00-13:00"}, "monday", "overlap"),
    ({"tuesday": "09:00-25:00"}, "tuesday", "hour must be between"),
    ({"time_zone": "Mars/Olympus"}, "time_zone", "Unknown time zone"),
    ({"monday": ""}, "monday", "no open time"),
    ({"wednesday": "18:00-09:00"}, "wednesday", "end must be after"),
    ({"holiday_country": "XX"}, "holiday_country", "not a country"),
    ({"holiday_subdivision": "ZZ"}, "holiday_subdivision", "not a subdivision"),
    ({"closures": "2026-13-01 Oops"}, "closures", "not a YYYY-MM-DD"),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD_CALENDARS)
def test_bad_calendar_input_gives_field_errors(tenant_client, tenant_admin, change, field, message):
    login_as(tenant_client, tenant_admin)
    data = {"name": "Office", "time_zone": "Europe/Paris", "monday": "09:00-17:00",
            "holiday_country": "US", **change}  # fmt: skip
    response = tenant_client.post("/settings/sla/calendars/new/", data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field]), errors


def test_a_calendar_saves_and_bumps_its_revision(tenant_client, tenant_admin):
    login_as(tenant_client, tenant_admin)
    data = {"name": "Office", "time_zone": "Europe/Paris", "monday": "13:00-17:00, 09:00-12:00",
            "closures": "2026-12-24 Christmas Eve"}  # fmt: skip
    assert tenant_client.post("/settings/sla/calendars/new/", data).status_code == 302
    calendar = Calendar.objects.get(tenant=tenant_admin.tenant, name="Office")
    assert calendar.weekly == {"0": ["09:00-12:00", "13:00-17:00"]}
    assert [c.name for c in calendar.closures.all()] == ["Christmas Eve"]
    response = tenant_client.post(f"/settings/sla/calendars/{calendar.pk}/", data)
    assert response.status_code == 302
    calendar.refresh_from_db()
    assert calendar.revision == 2


@pytest.mark.parametrize(("hours", "minutes"), [(0, 0), (-1, 0), ("", "")])
def test_zero_or_negative_target_durations_are_field_errors(
    tenant_client, tenant_admin, bytez, hours, minutes
):
    target = Target.objects.filter(tenant=bytez).first()
    login_as(tenant_client, tenant_admin)
    data = {
        "priority": target.priority_id,
        "metric": Metric.RESOLUTION,
        "calendar": target.calendar_id,
        "duration_hours": hours,
        "duration_minutes": minutes,
    }
    response = tenant_client.post(f"/settings/sla/policies/{target.policy_id}/targets/new/", data)
    assert response.status_code == 400
    assert "duration_hours" in response.context["form"].errors


def test_a_duplicate_target_is_a_field_error(tenant_client, tenant_admin, bytez):
    target = Target.objects.filter(tenant=bytez).first()
    login_as(tenant_client, tenant_admin)
    data = {"priority": target.priority_id, "metric": target.metric,
            "calendar": target.calendar_id, "duration_hours": 3}  # fmt: skip
    response = tenant_client.post(f"/settings/sla/policies/{target.policy_id}/targets/new/", data)
    assert response.status_code == 400
    assert "metric" in response.context["form"].errors


def test_scheduling_a_version_copies_targets_and_a_past_date_is_refused(
    tenant_client, tenant_admin, bytez
):
    plan = Plan.objects.get(tenant=bytez, key="premium")
    login_as(tenant_client, tenant_admin)
    url = f"/settings/sla/plans/{plan.pk}/policies/new/"
    past = {"effective_from": "2020-01-01 00:00", "warning_thresholds": "50, 75"}
    assert tenant_client.post(url, past).status_code == 400
    future = {"effective_from": "2030-01-01 00:00", "warning_thresholds": "50, 75, 90",
              "summary": "Faster P2"}  # fmt: skip
    assert tenant_client.post(url, future).status_code == 302
    v2 = plan.policies.get(version=2)
    assert v2.targets.count() == 4 and v2.warning_thresholds == [50, 75, 90]
    page = tenant_client.get("/policy/").content.decode()
    # Entered as 2030-01-01 00:00 UTC, shown in the tenant's zone (America/New_York).
    assert "version 2 takes effect on 31 Dec 2029 19:00 EST" in page


def test_a_plans_first_version_is_version_1_with_no_targets(tenant_client, tenant_admin, bytez):
    plan = Plan.objects.create(tenant=bytez, key="starter", name="Starter")
    login_as(tenant_client, tenant_admin)
    data = {"effective_from": "2030-01-01 00:00", "warning_thresholds": "50"}
    response = tenant_client.post(f"/settings/sla/plans/{plan.pk}/policies/new/", data)
    assert response.status_code == 302
    first = plan.policies.get()
    assert first.version == 1 and first.tenant == bytez and not first.targets.exists()


def test_bad_thresholds_and_duplicate_keys_are_field_errors(tenant_client, tenant_admin, bytez):
    login_as(tenant_client, tenant_admin)
    plan = Plan.objects.get(tenant=bytez, key="premium")
    scheduled = configuration.policy_version_create(
        tenant=bytez, plan=plan, new=SupportPolicy(effective_from=FUTURE)
    )
    response = tenant_client.post(f"/settings/sla/policies/{scheduled.pk}/",
                                  {"warning_thresholds": "50, 120",
                                   "effective_from": "2030-01-01 00:00"})  # fmt: skip
    assert response.status_code == 400
    assert "warning_thresholds" in response.context["form"].errors
    response = tenant_client.post("/settings/sla/priorities/new/",
                                  {"key": "critical", "label": "Again", "order": 9})  # fmt: skip
    assert response.status_code == 400 and "key" in response.context["form"].errors


def test_settings_need_the_settings_permission(tenant_client, agent, tenant_admin):
    login_as(tenant_client, agent)
    assert tenant_client.get("/settings/sla/").status_code == 404
    login_as(tenant_client, tenant_admin)
    assert tenant_client.get("/settings/sla/").status_code == 200


def test_another_tenants_calendar_is_a_404(tenant_client, tenant_admin, other_tenant):
    theirs = CalendarFactory(tenant=other_tenant)
    login_as(tenant_client, tenant_admin)
    assert tenant_client.get(f"/settings/sla/calendars/{theirs.pk}/").status_code == 404


def test_the_api_lists_plans_calendars_and_priorities(tenant_client, agent, bytez):
    login_as(tenant_client, agent)
    plans = tenant_client.get("/api/sla/plans/").json()
    premium = next(p for p in plans if p["key"] == "premium")
    assert premium["policy"]["version"] == 1
    critical = next(t for t in premium["policy"]["targets"] if t["priority"] == "critical")
    assert (critical["duration"], critical["calendar"]) == ("01:00:00", "24/7")
    calendars = tenant_client.get("/api/sla/calendars/?at=2026-11-26T12:00:00Z").json()
    office = next(c for c in calendars if c["name"] == "US business hours")
    assert office["next_open"] == "2026-11-27T14:00:00+00:00"  # after Thanksgiving
    assert tenant_client.get("/api/sla/calendars/?at=tomorrow").status_code == 400
    keys = [p["key"] for p in tenant_client.get("/api/sla/priorities/").json()]
    assert keys == ["critical", "high", "medium", "low"]


def test_the_api_refuses_anonymous_and_shows_only_this_tenant(client, outsider, bytez):
    login_as(client, outsider)
    assert client.get("/api/sla/plans/").json() == []


def test_the_sla_endpoints_have_a_valid_schema(db):
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    from sla import api_urls

    schema = SchemaGenerator(patterns=api_urls.urlpatterns).get_schema(request=None, public=True)
    validate_schema(schema)
    assert "/sla/calendars/" in schema["paths"]


def test_recompute_after_a_calendar_change_moves_running_clocks_with_a_ledger_entry(
    tenant_client, tenant_admin, bytez, django_capture_on_commit_callbacks
):
    plan = Plan.objects.get(tenant=bytez, key="standard")
    priority = Priority.objects.get(tenant=bytez, key="critical")
    created = datetime(2026, 3, 2, 14, tzinfo=UTC)  # Monday 09:00 New York
    ticket = make_ticket(tenant=bytez, priority=priority, plan=plan, created_at=created)
    start_clocks(tenant=bytez, ticket=ticket, plan=plan, priority=priority, at=created)
    calendar = Calendar.objects.get(tenant=bytez, name="US business hours")
    login_as(tenant_client, tenant_admin)
    data = {"name": calendar.name, "time_zone": "America/New_York", "holiday_country": "US",
            **{d: "10:00-18:00" for d in ("monday", "tuesday", "wednesday", "thursday",
                                          "friday")}}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = tenant_client.post(f"/settings/sla/calendars/{calendar.pk}/", data)
    assert response.status_code == 302 and "/settings/sla/jobs/" in response["Location"]
    clock = SlaClock.objects.get(ticket=ticket)
    assert clock.status == ClockStatus.RUNNING
    assert clock.due_at == created + timedelta(hours=5)  # 10:00 + 4h = 14:00 New York
    last = clock.segments.order_by("-id").first()
    assert last.note == "Recomputed: calendar 'US business hours' changed (rev 2)"
    assert (last.due_at_before, last.due_at_after) == (created + timedelta(hours=4), clock.due_at)
    ticket.refresh_from_db()
    assert ticket.first_response_due_at == clock.due_at
    progress = tenant_client.get(response["Location"])
    assert "Done: 1 of 1 clocks" in progress.content.decode()


FUTURE = datetime(2030, 1, 1, tzinfo=UTC)


def test_a_version_in_force_keeps_its_rules_and_the_page_says_why(
    tenant_client, tenant_admin, bytez
):
    """Issue #7 item 4: thresholds and pause rules of a version tickets run under are fixed."""
    login_as(tenant_client, tenant_admin)
    policy = Plan.objects.get(tenant=bytez, key="premium").policies.get()
    before = (policy.warning_thresholds, policy.max_pause, policy.pause_on_hold)
    page = tenant_client.get(f"/settings/sla/policies/{policy.pk}/").content.decode()
    assert "Schedule a new version of the plan to change them" in page
    response = tenant_client.post(f"/settings/sla/policies/{policy.pk}/", {
        "warning_thresholds": "10", "max_pause_hours": "1", "pause_on_hold": "on",
        "summary": "Clarified wording",
    })  # fmt: skip
    assert response.status_code == 302
    policy.refresh_from_db()
    assert (policy.warning_thresholds, policy.max_pause, policy.pause_on_hold) == before
    assert policy.summary == "Clarified wording"  # the text may change
    # The service refuses it for any caller, with the reason.
    policy.warning_thresholds = [10]
    with pytest.raises(configuration.PolicyInForce, match="warning thresholds cannot change"):
        configuration.policy_version_update(tenant=bytez, policy=policy)


def test_a_start_another_version_has_is_a_field_error_not_an_integrity_error(
    tenant_client, tenant_admin, bytez
):
    """Issue #8 item 3: effective_from equal to another version's answered 500."""
    login_as(tenant_client, tenant_admin)
    plan = Plan.objects.get(tenant=bytez, key="premium")
    url = f"/settings/sla/plans/{plan.pk}/policies/new/"
    first = {"effective_from": "2030-01-01 00:00", "warning_thresholds": "50"}
    assert tenant_client.post(url, first).status_code == 302
    again = tenant_client.post(url, first)
    assert again.status_code == 400
    assert (
        "already takes effect at that instant" in again.context["form"].errors["effective_from"][0]
    )
    # Moving another scheduled version onto that start: the same field error.
    other = configuration.policy_version_create(
        tenant=bytez, plan=plan, new=SupportPolicy(effective_from=datetime(2030, 6, 1, tzinfo=UTC))
    )
    moved = tenant_client.post(f"/settings/sla/policies/{other.pk}/", first)
    assert moved.status_code == 400 and "effective_from" in moved.context["form"].errors
    # Past the form (another caller, or a race): the service says so, no IntegrityError.
    with pytest.raises(configuration.ConfigConflict) as refused:
        configuration.policy_version_create(tenant=bytez, plan=plan,
                                            new=SupportPolicy(effective_from=FUTURE))  # fmt: skip
    assert refused.value.field == "effective_from"


def test_other_unique_values_of_the_settings_forms_are_field_errors(
    tenant_client, tenant_admin, bytez
):
    login_as(tenant_client, tenant_admin)
    calendar = Calendar.objects.filter(tenant=bytez).first()
    duplicate = tenant_client.post("/settings/sla/calendars/new/", {
        "name": calendar.name, "time_zone": "UTC", "monday": "09:00-17:00",
    })  # fmt: skip
    assert duplicate.status_code == 400 and "name" in duplicate.context["form"].errors
    plan = Plan.objects.filter(tenant=bytez).first()
    response = tenant_client.post("/settings/sla/plans/new/",
                                  {"key": plan.key, "name": "X", "order": 1})  # fmt: skip
    assert response.status_code == 400 and "key" in response.context["form"].errors
    # Past the forms the services turn the constraint into the same field error.
    with pytest.raises(configuration.ConfigConflict) as refused:
        configuration.plan_save(tenant=bytez, plan=Plan(key=plan.key, name="Y"))
    assert refused.value.field == "key"
    with pytest.raises(configuration.ConfigConflict) as refused:
        configuration.calendar_save(tenant=bytez, calendar=Calendar(name=calendar.name,
                                                                    time_zone="UTC"))  # fmt: skip
    assert refused.value.field == "name"


# --------------------------------------------------------------------------- bounded targets

SPARSE = {"0": ["09:00:00-09:00:01"]}  # open one second a week


def test_a_target_the_calendar_cannot_reach_is_a_field_error(tenant_client, tenant_admin, bytez):
    """Issue #8 item 4: 100,000 hours on a calendar open a second a week was accepted."""
    sparse = CalendarFactory(tenant=bytez, name="Sparse", weekly=SPARSE)
    target = Target.objects.filter(tenant=bytez).first()
    login_as(tenant_client, tenant_admin)
    data = {"priority": target.priority_id, "metric": Metric.NEXT_RESPONSE,
            "calendar": sparse.pk, "duration_hours": 100_000}  # fmt: skip
    response = tenant_client.post(f"/settings/sla/policies/{target.policy_id}/targets/new/", data)
    assert response.status_code == 400
    error = response.context["form"].errors["duration_hours"][0]
    assert "Sparse" in error and "the longest it allows is" in error
    # On a 24/7 calendar a long target is fine up to about five years.
    always = CalendarFactory(tenant=bytez, name="Always", weekly={}, always_open=True)
    ok = tenant_client.post(f"/settings/sla/policies/{target.policy_id}/targets/new/",
                            {**data, "calendar": always.pk, "duration_hours": 40_000})  # fmt: skip
    assert ok.status_code == 302
    with pytest.raises(configuration.ConfigConflict) as refused:  # past the form: the service
        configuration.target_save(tenant=bytez, target=Target(
            policy=target.policy, priority=target.priority, metric=Metric.RESOLUTION,
            calendar=sparse, duration=timedelta(hours=100_000),
        ))  # fmt: skip
    assert refused.value.field == "duration_hours"


def test_a_calendar_edit_that_strands_a_target_is_refused(tenant_client, tenant_admin, tenant):
    calendar = CalendarFactory(tenant=tenant, name="Office")  # Mon-Fri 09-17 New York
    target = TargetFactory(tenant=tenant, calendar=calendar, duration=timedelta(hours=2_000))
    login_as(tenant_client, tenant_admin)
    data = {"name": "Office", "time_zone": "America/New_York", "monday": "09:00-09:01"}
    response = tenant_client.post(f"/settings/sla/calendars/{calendar.pk}/", data)
    assert response.status_code == 400
    assert "2000 hours" in str(response.context["form"].non_field_errors()).replace(",", "")
    calendar.refresh_from_db()
    assert (calendar.revision, calendar.weekly["0"]) == (1, ["09:00-17:00"])
    # The service refuses it for any caller and rolls the change back.
    calendar.weekly = {"0": ["09:00-09:01"]}
    with pytest.raises(configuration.ConfigConflict, match="shorten it or move it"):
        configuration.calendar_save(tenant=tenant, calendar=calendar)
    calendar.refresh_from_db()
    assert calendar.weekly["0"] == ["09:00-17:00"] and calendar.revision == 1
    assert target.calendar_id == calendar.pk


def test_ticket_creation_on_a_stranded_legacy_target_is_a_clear_400(client, client_user):
    """A configuration stored before targets were bounded (written straight to the table):
    creating a ticket must say what is wrong, quickly, not spin and answer 500."""
    from tests.tickets.factories import sla_config

    sla_config(client_user.tenant, client_user.customer.plan)
    Calendar.objects.filter(tenant=client_user.tenant).update(weekly=SPARSE, always_open=False,
                                                              revision=99)  # fmt: skip
    Target.objects.filter(tenant=client_user.tenant).update(duration=timedelta(hours=100_000))
    login_as(client, client_user)
    client.raise_request_exception = False
    response = client.post("/api/tickets/", {"subject": "Down", "description": "x",
                                             "priority": "critical"},
                           content_type="application/json")  # fmt: skip
    assert response.status_code == 400
    assert "cannot be computed" in response.json()["priority"][0]
    assert not Ticket.objects.filter(tenant=client_user.tenant).exists()
    # The portal form: the same clear message on the priority field, what was typed kept.
    page = client.post("/tickets/new/", {"subject": "Down", "description": "typed text",
                                         "priority": "critical"})  # fmt: skip
    assert page.status_code == 400
    assert "cannot be computed" in str(page.context["form"].errors["priority"])
    assert "typed text" in page.content.decode()


def test_holidays_list_the_observed_day_once_unless_we_would_open_on_the_actual_day(bytez):
    """4 July 2026 is a Saturday, observed Friday 3 July: a Monday–Friday calendar lists the 3rd
    only; a calendar open on Saturdays is closed both days, and lists both."""
    from datetime import date

    from sla.policy_page import upcoming_holidays

    calendar = Calendar.objects.get(tenant=bytez, name="US business hours")
    listed = dict(upcoming_holidays(calendar, date(2026, 6, 1)))
    assert listed[date(2026, 7, 3)] == "Independence Day (observed)"
    assert date(2026, 7, 4) not in listed
    calendar.weekly = {**calendar.weekly, "5": ["09:00-13:00"]}
    listed = dict(upcoming_holidays(calendar, date(2026, 6, 1)))
    assert listed[date(2026, 7, 3)] == "Independence Day (observed)"
    assert listed[date(2026, 7, 4)] == "Independence Day"
