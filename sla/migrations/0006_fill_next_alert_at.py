"""Fill `next_alert_at` for the clocks that exist: running, not breached clocks get their next
warning threshold or deadline (computed by the same pure core the services use)."""

from django.db import migrations

BATCH = 2000


def fill(apps, schema_editor):
    from sla import clock_state as core
    from sla.calendar_cache import build_business_calendar

    SlaClock = apps.get_model("sla", "SlaClock")
    Calendar = apps.get_model("sla", "Calendar")
    SupportPolicy = apps.get_model("sla", "SupportPolicy")
    calendars = {}
    policies = {p.pk: p for p in SupportPolicy.base_objects.all()}

    def rules(calendar_id, policy_id):
        if calendar_id not in calendars:
            calendars[calendar_id] = build_business_calendar(
                Calendar.base_objects.get(pk=calendar_id)
            )
        policy = policies[policy_id]
        return core.ClockRules(
            calendar=calendars[calendar_id],
            warning_thresholds=tuple(policy.warning_thresholds or ()),
        )

    running = (
        SlaClock.base_objects.filter(status="running", breached_at__isnull=True)
        .exclude(due_at__isnull=True)
        .select_related("target")
        .order_by("pk")
    )
    last = 0
    while True:
        batch = list(running.filter(pk__gt=last)[:BATCH])
        if not batch:
            break
        last = batch[-1].pk
        for clock in batch:
            state = core.ClockState(
                metric=clock.metric, status=clock.status, started_at=clock.started_at,
                target_duration=clock.target_duration, consumed=clock.consumed,
                consumed_as_of=clock.consumed_as_of, due_at=clock.due_at,
                breached_at=clock.breached_at, warned_percent=clock.warned_percent,
            )
            clock.next_alert_at = core.next_alert(
                state, rules(clock.target.calendar_id, clock.target.policy_id)
            )
        SlaClock.base_objects.bulk_update(batch, ["next_alert_at"])


class Migration(migrations.Migration):
    dependencies = [("sla", "0005_clock_next_alert_at_job_lease")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]
