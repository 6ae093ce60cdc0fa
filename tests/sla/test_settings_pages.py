"""Settings pages added for tenant admins: maintenance windows, deleting what is safe to
delete, humanised target durations, and retrying a failed recompute."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from unittest import mock

import pytest

from demo.sla_seeds import load_seed_policy
from sla import configuration
from sla.durations import describe_target_duration
from sla.models import (
    Calendar,
    ClosureDate,
    MaintenanceWindow,
    Metric,
    Plan,
    Priority,
    RecomputeJob,
    SlaClock,
    SupportPolicy,
    Target,
)
from sla.recompute import recompute_job_run
from tests.conftest import login_as
from tests.factories import CustomerFactory, PlanFactory
from tests.sla.factories import (
    CalendarFactory,
    PriorityFactory,
    SupportPolicyFactory,
    TargetFactory,
    make_ticket,
    start_clocks,
)

MON_9 = datetime(2026, 3, 2, 14, tzinfo=UTC)  # Monday 09:00 New York


@pytest.fixture
def admin_client(tenant_client, tenant_admin):
    login_as(tenant_client, tenant_admin)
    return tenant_client


@pytest.fixture
def bytez(tenant):
    load_seed_policy(tenant=tenant, seed="bytez")
    return tenant


# --------------------------------------------------------------------------- maintenance

WINDOW = {"name": "Patch night", "weekdays": ["5", "6"], "starts": "22:00", "ends": "04:00",
          "time_zone": "America/New_York", "notice_hours": "72",
          "description": "Updates and patches."}  # fmt: skip


def test_it_creates_a_maintenance_window_shown_on_the_policy_page(admin_client, bytez):
    response = admin_client.post("/settings/sla/maintenance/new/", WINDOW)
    assert response.status_code == 302 and response["Location"] == "/settings/sla/maintenance/"
    window = MaintenanceWindow.objects.get(tenant=bytez, name="Patch night")
    assert (window.weekdays, window.starts, window.ends) == ([5, 6], time(22), time(4))
    listing = admin_client.get("/settings/sla/maintenance/").content.decode()
    assert "Patch night" in listing and "Saturday and Sunday" in listing
    page = admin_client.get("/policy/").content.decode()
    assert ("<strong>Patch night</strong>: Saturday and Sunday, 22:00–04:00 (ending the next "
            "day) America/New_York, announced at least 72 hours ahead. Updates and patches."
            ) in page  # fmt: skip


BAD_WINDOWS = [
    ({"starts": "25:00"}, "starts", "valid time"),
    ({"ends": "22:00"}, "ends", "different time"),
    ({"weekdays": []}, "weekdays", "Pick the days"),
    ({"weekdays": ["7"]}, "weekdays", "valid choice"),
    ({"notice_hours": "-1"}, "notice_hours", "greater than or equal to 0"),
    ({"notice_hours": "9999999999"}, "notice_hours", "less than or equal to"),
    ({"time_zone": "Mars/Olympus"}, "time_zone", "Unknown time zone"),
    ({"time_zone": ""}, "time_zone", "required"),
    ({"name": ""}, "name", "required"),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD_WINDOWS)
def test_bad_maintenance_window_input_gives_field_errors(admin_client, change, field, message):
    response = admin_client.post("/settings/sla/maintenance/new/", {**WINDOW, **change})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field]), errors
    assert not MaintenanceWindow.objects.exists()


def test_it_edits_and_deletes_a_maintenance_window(admin_client, tenant):
    window = MaintenanceWindow.objects.create(
        tenant=tenant, name="Nightly", weekdays=[0, 1, 2, 3, 4], starts=time(1),
        ends=time(2), time_zone="UTC",
    )  # fmt: skip
    url = f"/settings/sla/maintenance/{window.pk}/"
    form_page = admin_client.get(url).content.decode()
    assert 'value="01:00"' in form_page and f"{url}delete/" in form_page
    response = admin_client.post(url, {**WINDOW, "name": "Nightly", "notice_hours": "0"})
    assert response.status_code == 302
    window.refresh_from_db()
    assert (window.weekdays, window.notice_hours, window.starts) == ([5, 6], 0, time(22))
    assert admin_client.post(url, {**WINDOW, "name": ""}).status_code == 400

    assert admin_client.get(f"{url}delete/").status_code == 200
    assert admin_client.post(f"{url}delete/").status_code == 302
    assert not MaintenanceWindow.objects.filter(pk=window.pk).exists()


def test_a_duplicate_maintenance_window_name_is_a_field_error(admin_client, tenant):
    MaintenanceWindow.objects.create(tenant=tenant, name="Patch night", weekdays=[0],
                                     starts=time(1), ends=time(2), time_zone="UTC")  # fmt: skip
    response = admin_client.post("/settings/sla/maintenance/new/", WINDOW)
    assert response.status_code == 400 and "name" in response.context["form"].errors


def test_another_tenants_maintenance_window_is_a_404(admin_client, other_tenant):
    theirs = MaintenanceWindow.objects.create(
        tenant=other_tenant, name="Theirs", weekdays=[0], starts=time(1), ends=time(2),
        time_zone="UTC",
    )  # fmt: skip
    for suffix in ("", "delete/"):
        url = f"/settings/sla/maintenance/{theirs.pk}/{suffix}"
        assert admin_client.get(url).status_code == 404
        assert admin_client.post(url, WINDOW).status_code == 404
    assert MaintenanceWindow.objects.filter(pk=theirs.pk, name="Theirs").exists()


def test_agents_cannot_manage_maintenance_windows(tenant_client, agent):
    login_as(tenant_client, agent)
    assert tenant_client.get("/settings/sla/maintenance/").status_code == 404
    assert tenant_client.post("/settings/sla/maintenance/new/", WINDOW).status_code == 404


# --------------------------------------------------------------------------- deleting


def test_it_deletes_a_closure_date_and_bumps_the_calendar_revision(admin_client, tenant):
    calendar = CalendarFactory(tenant=tenant)
    closure = ClosureDate.objects.create(tenant=tenant, calendar=calendar, date=date(2026, 12, 24),
                                         name="Christmas Eve")  # fmt: skip
    page = admin_client.get(f"/settings/sla/calendars/{calendar.pk}/").content.decode()
    assert f"/settings/sla/closures/{closure.pk}/delete/" in page
    assert admin_client.get(f"/settings/sla/closures/{closure.pk}/delete/").status_code == 200
    response = admin_client.post(f"/settings/sla/closures/{closure.pk}/delete/")
    assert response.status_code == 302
    assert not ClosureDate.objects.filter(pk=closure.pk).exists()
    calendar.refresh_from_db()
    assert calendar.revision == 2


def test_deleting_a_closure_recomputes_running_clocks_on_the_calendar(
    admin_client, tenant, django_capture_on_commit_callbacks
):
    calendar = CalendarFactory(tenant=tenant)  # Mon-Fri 09:00-17:00 New York
    target = TargetFactory(tenant=tenant, calendar=calendar, duration=timedelta(hours=9))
    closure = ClosureDate.objects.create(tenant=tenant, calendar=calendar, date=date(2026, 3, 3))
    ticket = make_ticket(tenant=tenant, priority=target.priority, plan=target.policy.plan)
    start_clocks(tenant=tenant, ticket=ticket, plan=target.policy.plan, priority=target.priority,
                 at=MON_9)  # fmt: skip
    clock = SlaClock.objects.get(ticket=ticket)
    assert clock.due_at == datetime(2026, 3, 4, 15, tzinfo=UTC)  # Tuesday closed: Wed 10:00
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/settings/sla/closures/{closure.pk}/delete/")
    assert "/settings/sla/jobs/" in response["Location"]
    clock.refresh_from_db()
    assert clock.due_at == datetime(2026, 3, 3, 15, tzinfo=UTC)  # Tuesday open again: 10:00
    assert "closure 2026-03-03 removed" in clock.segments.order_by("-id").first().note


def test_an_unused_calendar_is_deleted_a_used_one_is_refused_with_a_reason(admin_client, tenant):
    unused = CalendarFactory(tenant=tenant, name="Spare")
    ClosureDate.objects.create(tenant=tenant, calendar=unused, date=date(2026, 12, 24))
    assert admin_client.get(f"/settings/sla/calendars/{unused.pk}/delete/").status_code == 200
    assert admin_client.post(f"/settings/sla/calendars/{unused.pk}/delete/").status_code == 302
    assert not Calendar.objects.filter(pk=unused.pk).exists()

    used = TargetFactory(tenant=tenant).calendar
    url = f"/settings/sla/calendars/{used.pk}/delete/"
    shown = admin_client.get(url)
    assert shown.status_code == 200 and "1 target uses it" in shown.content.decode()
    assert 'type="submit">Delete' not in shown.content.decode()
    response = admin_client.post(url)
    assert response.status_code == 409
    assert f"Calendar &#x27;{used.name}&#x27; cannot be deleted: 1 target uses it" in (
        response.content.decode()
    )
    assert Calendar.objects.filter(pk=used.pk).exists()


def test_a_plan_with_customers_is_refused_an_unused_one_goes_with_its_versions(
    admin_client, tenant
):
    target = TargetFactory(tenant=tenant)
    plan = target.policy.plan
    response = admin_client.post(f"/settings/sla/plans/{plan.pk}/delete/")
    assert response.status_code == 302
    assert not Plan.objects.filter(pk=plan.pk).exists()
    assert not Target.objects.filter(pk=target.pk).exists()

    taken = PlanFactory(tenant=tenant, name="Gold")
    CustomerFactory(tenant=tenant, plan=taken)
    response = admin_client.post(f"/settings/sla/plans/{taken.pk}/delete/")
    assert response.status_code == 409
    assert "1 customer is on it" in response.content.decode()
    assert Plan.objects.filter(pk=taken.pk).exists()


def test_a_priority_tickets_use_is_refused_an_unused_one_goes_with_its_targets(
    admin_client, tenant
):
    target = TargetFactory(tenant=tenant)
    response = admin_client.post(f"/settings/sla/priorities/{target.priority_id}/delete/")
    assert response.status_code == 302
    assert not Priority.objects.filter(pk=target.priority_id).exists()
    assert not Target.objects.filter(pk=target.pk).exists()

    priority = PriorityFactory(tenant=tenant, label="Urgent")
    make_ticket(tenant=tenant, priority=priority)
    response = admin_client.post(f"/settings/sla/priorities/{priority.pk}/delete/")
    assert response.status_code == 409
    assert "1 ticket has this priority" in response.content.decode()
    assert Priority.objects.filter(pk=priority.pk).exists()


def test_a_protected_delete_that_slips_past_the_check_is_a_409_not_a_500(
    admin_client, tenant, monkeypatch
):
    """A ticket created between the check and the delete: PROTECT answers, we explain."""
    priority = PriorityFactory(tenant=tenant, label="Urgent")
    make_ticket(tenant=tenant, priority=priority)
    monkeypatch.setitem(configuration.USAGE_CHECKS, Priority, lambda tenant, obj: None)
    response = admin_client.post(f"/settings/sla/priorities/{priority.pk}/delete/")
    assert response.status_code == 409
    assert "still in use" in response.content.decode()
    assert Priority.objects.filter(pk=priority.pk).exists()


def test_only_a_scheduled_version_no_ticket_uses_can_be_withdrawn(admin_client, tenant):
    in_force = SupportPolicyFactory(tenant=tenant)
    response = admin_client.post(f"/settings/sla/policies/{in_force.pk}/delete/")
    assert response.status_code == 409 and "already taken effect" in response.content.decode()

    future = datetime(2030, 1, 1, tzinfo=UTC)
    used = SupportPolicyFactory(tenant=tenant, plan=in_force.plan, effective_from=future)
    ticket = make_ticket(tenant=tenant, priority=PriorityFactory(tenant=tenant))
    ticket.policy = used
    ticket.save(update_fields=["policy"])
    response = admin_client.post(f"/settings/sla/policies/{used.pk}/delete/")
    assert response.status_code == 409 and "1 ticket runs under it" in response.content.decode()

    scheduled = SupportPolicyFactory(tenant=tenant, plan=in_force.plan,
                                     effective_from=future + timedelta(days=1))  # fmt: skip
    TargetFactory(tenant=tenant, policy=scheduled)
    edit_page = admin_client.get(f"/settings/sla/policies/{scheduled.pk}/").content.decode()
    assert f"/settings/sla/policies/{scheduled.pk}/delete/" in edit_page
    assert admin_client.post(f"/settings/sla/policies/{scheduled.pk}/delete/").status_code == 302
    assert not SupportPolicy.objects.filter(pk=scheduled.pk).exists()
    assert SupportPolicy.objects.filter(pk=in_force.pk).exists()


def test_deleting_needs_post_and_the_settings_permission(tenant_client, agent, tenant):
    calendar = CalendarFactory(tenant=tenant)
    login_as(tenant_client, agent)
    assert tenant_client.post(f"/settings/sla/calendars/{calendar.pk}/delete/").status_code == 404
    assert Calendar.objects.filter(pk=calendar.pk).exists()


# --------------------------------------------------------------------------- durations


@pytest.mark.parametrize(
    ("duration", "always_open", "text"),
    [
        (timedelta(hours=4), False, "4 business hours"),
        (timedelta(hours=1), False, "1 business hour"),
        (timedelta(hours=1, minutes=30), True, "1 h 30 min (24/7)"),
        (timedelta(minutes=30), True, "30 min (24/7)"),
        (timedelta(hours=2, minutes=15), False, "2 h 15 min business time"),
        (timedelta(hours=27), False, "27 business hours"),
    ],
)
def test_target_durations_read_as_people_say_them(duration, always_open, text):
    assert describe_target_duration(duration, always_open=always_open) == text


def test_the_target_list_shows_humanised_durations(admin_client, bytez):
    policy = Plan.objects.get(tenant=bytez, key="premium").policies.get()
    always = Calendar.objects.get(tenant=bytez, always_open=True)
    TargetFactory(tenant=bytez, policy=policy, priority=Priority.objects.get(
        tenant=bytez, key="critical"), metric=Metric.RESOLUTION, calendar=always,
        duration=timedelta(hours=1, minutes=30))  # fmt: skip
    page = admin_client.get(f"/settings/sla/policies/{policy.pk}/").content.decode()
    for text in ("1 h (24/7)", "4 business hours", "9 business hours", "18 business hours",
                 "1 h 30 min (24/7)"):  # fmt: skip
        assert f"<td>{text}</td>" in page, text
    assert "4:00:00" not in page


# --------------------------------------------------------------------------- recompute retry


def _failed_job(tenant) -> tuple[RecomputeJob, SlaClock]:
    calendar = CalendarFactory(tenant=tenant)
    target = TargetFactory(tenant=tenant, calendar=calendar)
    ticket = make_ticket(tenant=tenant, priority=target.priority, plan=target.policy.plan)
    start_clocks(tenant=tenant, ticket=ticket, plan=target.policy.plan, priority=target.priority,
                 at=MON_9)  # fmt: skip
    calendar.weekly = {str(day): ["10:00-18:00"] for day in range(5)}
    calendar.revision += 1
    calendar.save()
    job = RecomputeJob.objects.create(tenant=tenant, reason="Recomputed: hours changed",
                                      calendar=calendar)  # fmt: skip
    with (
        mock.patch("sla.recompute._apply_chunk", side_effect=RuntimeError("database hiccup")),
        pytest.raises(RuntimeError),
    ):
        recompute_job_run(tenant=tenant, job_id=job.pk)
    return job, SlaClock.objects.get(ticket=ticket)


def test_a_failed_recompute_shows_its_error_and_can_be_retried(
    admin_client, tenant, django_capture_on_commit_callbacks
):
    job, clock = _failed_job(tenant)
    job.refresh_from_db()
    assert job.status == RecomputeJob.Status.FAILED and "database hiccup" in job.error
    page = admin_client.get(f"/settings/sla/jobs/{job.pk}/").content.decode()
    assert "Failed: 0 of 1 clocks" in page and "database hiccup" in page
    assert f'action="/settings/sla/jobs/{job.pk}/retry/"' in page

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin_client.post(f"/settings/sla/jobs/{job.pk}/retry/")
    assert response.status_code == 302 and response["Location"] == f"/settings/sla/jobs/{job.pk}/"
    assert len(callbacks) == 1  # queued after commit
    job.refresh_from_db()
    assert (job.status, job.error, job.done, job.total) == (RecomputeJob.Status.DONE, "", 1, 1)
    clock.refresh_from_db()
    assert clock.due_at == MON_9 + timedelta(hours=5)  # 10:00 + 4h = 14:00 New York
    assert "Retry" not in admin_client.get(f"/settings/sla/jobs/{job.pk}/").content.decode()


def test_only_a_failed_job_is_retried(admin_client, tenant, django_capture_on_commit_callbacks):
    job = RecomputeJob.objects.create(tenant=tenant, reason="x", status=RecomputeJob.Status.DONE)
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(f"/settings/sla/jobs/{job.pk}/retry/")
    assert response.status_code == 302 and not callbacks
    job.refresh_from_db()
    assert job.status == RecomputeJob.Status.DONE
    assert admin_client.get(f"/settings/sla/jobs/{job.pk}/retry/").status_code == 405


def test_agents_cannot_retry_a_recompute(tenant_client, agent, tenant):
    job = RecomputeJob.objects.create(tenant=tenant, reason="x", status=RecomputeJob.Status.FAILED)
    login_as(tenant_client, agent)
    assert tenant_client.post(f"/settings/sla/jobs/{job.pk}/retry/").status_code == 404
    job.refresh_from_db()
    assert job.status == RecomputeJob.Status.FAILED


@pytest.mark.parametrize("text", ["²", "50, ²", "x", "9" * 5_000, "50, " + "1" * 5_000])
def test_warning_thresholds_refuse_what_is_not_a_whole_percentage(text):
    # "²".isdigit() is true but int("²") raises: a field error, never a 500.
    from django import forms as django_forms

    from sla.forms import ThresholdsField

    with pytest.raises(django_forms.ValidationError):
        ThresholdsField().clean(text)


def test_warning_thresholds_are_sorted_and_unique():
    from sla.forms import ThresholdsField

    assert ThresholdsField().clean("80, 50,80") == [50, 80]


def test_a_5000_digit_threshold_is_a_short_field_error():
    """int() refuses strings past 4,300 digits with ValueError: that was a 500."""
    from django import forms as django_forms

    from sla.forms import ThresholdsField

    with pytest.raises(django_forms.ValidationError) as refused:
        ThresholdsField().clean("50, " + "9" * 5_000)
    assert "between 1 and 99" in refused.value.messages[0]
    assert len(refused.value.messages[0]) < 100  # the number is not echoed back whole


# --------------------------------------------------------------------------- exclusions (#12.5)


def test_it_keeps_the_exclusion_list(admin_client, tenant, other_tenant):
    from sla.exclusions import exclusions
    from sla.models import Exclusion

    data = {"title": "Training", "text": "Training and onboarding of new users.", "order": "1",
            "is_active": "on"}  # fmt: skip
    assert admin_client.post("/settings/sla/exclusions/new/", data).status_code == 302
    page = admin_client.get("/settings/sla/exclusions/")
    assert page.status_code == 200
    assert "Training and onboarding of new users." in page.content.decode()
    training = Exclusion.objects.get(tenant=tenant, title="Training")
    # Bad input is a 400 with field errors: blanks, a duplicate title, a negative order.
    for bad, field in [({**data, "title": "  "}, "title"), ({**data, "text": ""}, "text"),
                       ({**data, "order": "-1"}, "order")]:  # fmt: skip
        response = admin_client.post("/settings/sla/exclusions/new/", bad)
        assert response.status_code == 400 and field in response.context["form"].errors
    duplicate = admin_client.post("/settings/sla/exclusions/new/", data)
    assert duplicate.status_code == 400
    assert "already uses" in duplicate.context["form"].errors["title"][0]
    # Retired: kept for the tickets that cite it, gone from the selector the page reads.
    edit = admin_client.post(f"/settings/sla/exclusions/{training.pk}/", {**data})
    assert edit.status_code == 302
    admin_client.post(f"/settings/sla/exclusions/{training.pk}/",
                      {k: v for k, v in data.items() if k != "is_active"})  # fmt: skip
    assert list(exclusions(tenant=tenant)) == []
    assert list(exclusions(tenant=tenant, include_retired=True)) == [training]
    # Another tenant's exclusion is a 404 like a missing one.
    theirs = Exclusion.objects.create(tenant=other_tenant, title="Hardware", text="x")
    assert admin_client.get(f"/settings/sla/exclusions/{theirs.pk}/").status_code == 404
    assert admin_client.post(f"/settings/sla/exclusions/{theirs.pk}/delete/").status_code == 404
    assert Exclusion.objects.filter(pk=theirs.pk).exists()
    assert admin_client.post(f"/settings/sla/exclusions/{training.pk}/delete/").status_code == 302
    assert not Exclusion.objects.filter(pk=training.pk).exists()


def test_agents_cannot_edit_exclusions(tenant_client, agent, tenant):
    login_as(tenant_client, agent)
    assert tenant_client.get("/settings/sla/exclusions/").status_code == 404
    response = tenant_client.post("/settings/sla/exclusions/new/", {"title": "x", "text": "y"})
    assert response.status_code == 404


def test_a_cited_exclusion_is_retired_not_deleted(admin_client, tenant, client_user, agent):
    from sla.models import Exclusion
    from tests.tickets.factories import make_ticket as make_real_ticket
    from tickets.services import ticket_close_out_of_scope

    exclusion = Exclusion.objects.create(tenant=tenant, title="Hardware", text="Hardware issues.")
    ticket = make_real_ticket(client_user)
    ticket_close_out_of_scope(tenant=tenant, ticket=ticket, exclusion=exclusion, actor=agent)
    response = admin_client.post(f"/settings/sla/exclusions/{exclusion.pk}/delete/")
    assert response.status_code == 409
    assert "1 ticket cite it" in response.content.decode()
    assert Exclusion.objects.filter(pk=exclusion.pk).exists()
