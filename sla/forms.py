"""Settings forms. Every bad input is a field error (the view answers 400), never a 500."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays as holidays_lib
from django import forms
from django.utils import timezone

from . import configuration
from .calendar_cache import public_holidays
from .calendars import (
    DAY_NAMES,
    BusinessCalendar,
    parse_interval,
    validate_timezone,
    validate_weekly,
)
from .maintenance import WindowRule, occurrences, wall_to_instant
from .models import (
    Calendar,
    Channel,
    Exclusion,
    MaintenanceWindow,
    Metric,
    Plan,
    PolicySection,
    Priority,
    SupportPolicy,
    Target,
    TenantSlaSettings,
)

DAY_FIELDS = [name.lower() for name in DAY_NAMES]


class TenantFormMixin:
    """Forms get the tenant: uniqueness per tenant and choices are checked against it."""

    def __init__(self, *args: Any, tenant: Any, **kwargs: Any) -> None:
        self.tenant = tenant
        super().__init__(*args, **kwargs)

    def _unique(self, model: Any, field: str, value: Any, **scope: Any) -> None:
        others = model.objects.for_tenant(self.tenant).filter(**{field: value}, **scope)
        instance = getattr(self, "instance", None)
        if instance is not None and instance.pk:
            others = others.exclude(pk=instance.pk)
        if others.exists():
            raise forms.ValidationError(f"Another one already uses {value!r}.")


class CalendarForm(TenantFormMixin, forms.ModelForm):
    time_zone = forms.CharField(max_length=64, help_text="IANA name, e.g. America/New_York.")
    closures = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Extra closed days, one per line: YYYY-MM-DD optional name.",
    )

    class Meta:
        model = Calendar
        fields = ["name", "time_zone", "always_open", "holiday_country", "holiday_subdivision"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        weekly = self.instance.weekly or {}
        for index, name in enumerate(DAY_FIELDS):
            self.fields[name] = forms.CharField(
                required=False,
                label=DAY_NAMES[index],
                help_text='e.g. "09:00-18:00, 19:00-21:00"; empty = closed',
                initial=", ".join(weekly.get(str(index), [])),
            )
        if self.instance.pk:
            self.fields["closures"].initial = "\n".join(
                f"{c.date.isoformat()} {c.name}".strip() for c in self.instance.closures.all()
            )
        self.order_fields(["name", "time_zone", "always_open", *DAY_FIELDS])

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        self._unique(Calendar, "name", name)
        return name

    def clean_time_zone(self) -> str:
        value = self.cleaned_data["time_zone"].strip()
        try:
            validate_timezone(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc).capitalize() + ".") from None
        return value

    def _clean_day(self, index: int) -> list[str]:
        text = self.cleaned_data.get(DAY_FIELDS[index], "")
        items = [part.strip() for part in text.split(",") if part.strip()]
        try:
            intervals = [parse_interval(item) for item in items]
            validate_weekly({index: items}, allow_empty=True)  # overlaps
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
        return [str(iv) for iv in sorted(intervals)]

    def clean_holiday_country(self) -> str:
        country = self.cleaned_data["holiday_country"].strip().upper()
        if country and country not in holidays_lib.list_supported_countries():
            raise forms.ValidationError(f"{country!r} is not a country the holidays list knows.")
        return country

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        weekly: dict[str, list[str]] = {}
        for index, name in enumerate(DAY_FIELDS):
            try:
                weekly[str(index)] = self._clean_day(index)
            except forms.ValidationError as exc:
                self.add_error(name, exc)
        if not self.errors and not data.get("always_open") and not any(weekly.values()):
            self.add_error("monday", "The week has no open time: give hours for at least one "
                           "day, or make the calendar 24/7.")  # fmt: skip
        self.weekly = {k: v for k, v in weekly.items() if v}
        country = data.get("holiday_country", "")
        subdivision = (data.get("holiday_subdivision") or "").strip().upper()
        data["holiday_subdivision"] = subdivision
        if subdivision:
            known = holidays_lib.list_supported_countries().get(country, [])
            if not country:
                self.add_error("holiday_subdivision", "Pick a holiday country first.")
            elif subdivision not in known:
                self.add_error("holiday_subdivision", f"{subdivision!r} is not a subdivision "
                               f"of {country}.")  # fmt: skip
        data["closure_list"] = self._closures(data.get("closures", ""))
        if not self.errors and self.instance.pk:
            self._check_targets_still_fit(data)
        return data

    def _check_targets_still_fit(self, data: dict[str, Any]) -> None:
        """Refuse hours that would leave one of the calendar's targets impossible to compute
        (the services check it again when saving)."""
        longest = (
            Target.objects.for_tenant(self.tenant).filter(calendar=self.instance)
            .order_by("-duration").first()
        )  # fmt: skip
        if longest is None:
            return
        if data.get("always_open"):
            business = BusinessCalendar.always_open(data["time_zone"])
        else:
            closed = set(
                public_holidays(data.get("holiday_country", ""), data["holiday_subdivision"])
            )
            closed.update(day for day, _ in data["closure_list"])
            business = BusinessCalendar(data["time_zone"], self.weekly, closed)
        reason = configuration.target_too_long(
            calendar_name=data.get("name") or self.instance.name, business=business,
            duration=longest.duration, at=timezone.now(),
        )  # fmt: skip
        if reason:
            self.add_error(None, f"{reason} One of its targets needs {longest.duration}: "
                           "shorten it or move it to another calendar first.")  # fmt: skip

    def _closures(self, text: str) -> list[tuple[date, str]]:
        out = []
        for line in (text or "").splitlines():
            if not line.strip():
                continue
            day, _, name = line.strip().partition(" ")
            try:
                out.append((date.fromisoformat(day), name.strip()[:100]))
            except ValueError:
                self.add_error("closures", f"{day!r} is not a YYYY-MM-DD date.")
        return out


class PlanForm(TenantFormMixin, forms.ModelForm):
    channels = forms.MultipleChoiceField(
        choices=Channel.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = Plan
        fields = ["key", "name", "description", "channels", "order"]

    def clean_key(self) -> str:
        key = self.cleaned_data["key"]
        self._unique(Plan, "key", key)
        return key


class PriorityForm(TenantFormMixin, forms.ModelForm):
    class Meta:
        model = Priority
        fields = ["key", "label", "definition", "order"]

    def clean_key(self) -> str:
        key = self.cleaned_data["key"]
        self._unique(Priority, "key", key)
        return key


class ThresholdsField(forms.CharField):
    def to_python(self, value: Any) -> list[int]:
        if isinstance(value, list):  # the stored value (a disabled field cleans its initial)
            return sorted({int(v) for v in value})
        text = super().to_python(value)
        out = []
        for part in text.replace(" ", "").split(","):
            if not part:
                continue
            # isdigit() admits "²"; the length bound comes before int(), which refuses strings
            # past 4,300 digits with a ValueError (a 500) and is slow on long ones anyway.
            if len(part) > 3 or not part.isdecimal() or not 1 <= int(part) <= 99:
                shown = part if len(part) <= 12 else f"{part[:12]}…"
                raise forms.ValidationError(f"{shown!r}: give percentages between 1 and 99.")
            out.append(int(part))
        return sorted(set(out))

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(str(v) for v in value) if isinstance(value, list) else value


class HoursMinutesMixin:
    """Durations entered as hours and minutes; zero and negative are field errors."""

    def _duration(self, prefix: str, *, required: bool) -> timedelta | None:
        hours = self.cleaned_data.get(f"{prefix}_hours")
        minutes = self.cleaned_data.get(f"{prefix}_minutes")
        if hours is None and minutes is None:
            if required:
                self.add_error(f"{prefix}_hours", "Give a duration.")
            return None
        total = timedelta(hours=hours or 0, minutes=minutes or 0)
        if total <= timedelta(0):
            self.add_error(f"{prefix}_hours", "The duration must be longer than zero.")
            return None
        return total


def _hours_field(label: str, required: bool = False) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=0, max_value=100_000, required=required)


def _minutes_field(label: str) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=0, max_value=59, required=False)


IN_FORCE_FIXED = ("effective_from", "warning_thresholds", "max_pause_hours", "max_pause_minutes",
                  "pause_on_hold")  # fmt: skip


class PolicyForm(HoursMinutesMixin, TenantFormMixin, forms.ModelForm):
    warning_thresholds = ThresholdsField(required=False, help_text="e.g. 50, 75")
    max_pause_hours = _hours_field("Longest pause (hours)")
    max_pause_minutes = _minutes_field("Longest pause (minutes)")
    emergency = forms.BooleanField(
        required=False, label="Emergency: take effect with less notice than promised",
        help_text="Recorded with your name and the reason; shown on the policy page and in "
        "the announcement to clients.",
    )  # fmt: skip
    emergency_reason = forms.CharField(required=False, max_length=300, label="Why")

    class Meta:
        model = SupportPolicy
        fields = ["effective_from", "summary", "warning_thresholds", "pause_on_hold"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        pause = self.instance.max_pause
        if pause:
            self.fields["max_pause_hours"].initial = int(pause.total_seconds() // 3600)
            self.fields["max_pause_minutes"].initial = int(pause.total_seconds() % 3600 // 60)
        self.in_force = bool(self.instance.pk and self.instance.effective_from <= timezone.now())
        if self.instance.pk:
            # The override is given when a version is scheduled (it is recorded then).
            del self.fields["emergency"], self.fields["emergency_reason"]
        if self.in_force:
            # History is not rewritten: tickets run under this version's rules. Its start,
            # thresholds and pause rules are fixed (the page says so); a new version changes
            # them from a future date.
            for name in IN_FORCE_FIXED:
                self.fields[name].disabled = True
            self.fields["effective_from"].help_text = (
                "In force: its start, warning thresholds and pause rules are fixed. Schedule a "
                "new version of the plan to change them."
            )

    def clean_effective_from(self) -> Any:
        value = self.cleaned_data["effective_from"]
        field = self.fields["effective_from"]
        if field.disabled or value is None:
            return value
        if value <= timezone.now():
            raise forms.ValidationError("A new version can only be scheduled in the future.")
        plan = self.instance.plan
        clash = SupportPolicy.objects.for_tenant(self.tenant).filter(
            plan=plan, effective_from=value
        )
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        other = clash.first()
        if other is not None:
            raise forms.ValidationError(
                f"Version {other.version} of this plan already takes effect at that instant: "
                "pick another."
            )
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.cleaned_data.get("max_pause_hours") is not None or self.cleaned_data.get(
            "max_pause_minutes"
        ):
            self.instance.max_pause = self._duration("max_pause", required=False)
        else:
            self.instance.max_pause = None
        if self.cleaned_data.get("emergency") and not self.cleaned_data.get("emergency_reason"):
            self.add_error("emergency_reason", "Say why this change cannot wait for the notice "
                           "period: clients are told.")  # fmt: skip
        return data

    @property
    def override_reason(self) -> str:
        if not self.cleaned_data.get("emergency"):
            return ""
        return self.cleaned_data.get("emergency_reason", "").strip()


class TargetForm(HoursMinutesMixin, TenantFormMixin, forms.ModelForm):
    duration_hours = _hours_field("Hours", required=False)
    duration_minutes = _minutes_field("Minutes")

    class Meta:
        model = Target
        fields = ["priority", "metric", "calendar"]

    def __init__(self, *args: Any, policy: SupportPolicy, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.policy = policy
        self.fields["priority"].queryset = Priority.objects.for_tenant(self.tenant)
        self.fields["calendar"].queryset = Calendar.objects.for_tenant(self.tenant)
        duration = self.instance.duration if self.instance.pk else None
        if duration:
            self.fields["duration_hours"].initial = int(duration.total_seconds() // 3600)
            self.fields["duration_minutes"].initial = int(duration.total_seconds() % 3600 // 60)
        self.order_fields(["priority", "metric", "duration_hours", "duration_minutes"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        duration = self._duration("duration", required=True)
        if duration is not None:
            self.instance.duration = duration
        calendar = data.get("calendar")
        if duration is not None and calendar is not None:
            reason = configuration.target_too_long(
                calendar_name=calendar.name, business=calendar.as_business_calendar(),
                duration=duration, at=timezone.now(),
            )  # fmt: skip
            if reason:
                self.add_error("duration_hours", reason)
        priority, metric = data.get("priority"), data.get("metric")
        if priority and metric:
            try:
                self._unique(Target, "metric", metric, policy=self.policy, priority=priority)
            except forms.ValidationError:
                self.add_error("metric", f"{priority} already has a {Metric(metric).label} "
                               "target in this version.")  # fmt: skip
        return data


class SectionForm(forms.ModelForm):
    class Meta:
        model = PolicySection
        fields = ["title", "body", "order"]


TIME_FORMATS = ["%H:%M", "%H:%M:%S"]
MAX_WINDOW = timedelta(days=7)
MAX_WINDOW_AHEAD = timedelta(days=5 * 365)


class MaintenanceWindowForm(TenantFormMixin, forms.ModelForm):
    """A recurring window (weekdays, local start and end) or a one-off one (two local
    datetimes, in the window's zone). Less notice than the window promises (its next
    occurrence within `notice_hours`) is allowed only as an emergency."""

    KIND_CHOICES = [("recurring", "Recurring (every week)"), ("one_off", "One-off")]
    kind = forms.ChoiceField(choices=KIND_CHOICES, initial="recurring", required=False,
                             widget=forms.RadioSelect)  # fmt: skip
    weekdays = forms.TypedMultipleChoiceField(
        choices=list(enumerate(DAY_NAMES)),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Recurring: the days the window starts on.",
    )
    starts = forms.TimeField(
        input_formats=TIME_FORMATS, widget=forms.TimeInput(format="%H:%M"), required=False,
        help_text="Recurring: HH:MM, 24-hour clock.",
    )  # fmt: skip
    ends = forms.TimeField(
        input_formats=TIME_FORMATS, widget=forms.TimeInput(format="%H:%M"), required=False,
        help_text="Recurring: HH:MM; earlier than the start means the window ends the next day.",
    )  # fmt: skip
    one_off_start_local = forms.DateTimeField(
        required=False, label="One-off: starts", help_text="YYYY-MM-DD HH:MM in the window's zone."
    )
    one_off_end_local = forms.DateTimeField(
        required=False, label="One-off: ends", help_text="YYYY-MM-DD HH:MM in the window's zone."
    )
    time_zone = forms.CharField(max_length=64, help_text="IANA name, e.g. America/New_York.")
    notice_hours = forms.IntegerField(
        min_value=0, max_value=24 * 365, initial=0, help_text="Announced this many hours ahead."
    )
    services = forms.CharField(
        required=False, help_text="Affected services, comma-separated (empty: all services)."
    )
    emergency_reason = forms.CharField(
        required=False, max_length=300,
        help_text="Emergency: why it cannot wait for the notice period (told to clients).",
    )  # fmt: skip

    class Meta:
        model = MaintenanceWindow
        fields = ["name", "kind", "weekdays", "starts", "ends", "one_off_start_local",
                  "one_off_end_local", "time_zone", "notice_hours", "services", "message",
                  "emergency", "emergency_reason", "description"]  # fmt: skip

    def __init__(self, *args: Any, now: datetime | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.now = now or timezone.now()
        window = self.instance
        self.fields["services"].initial = ", ".join(window.services or [])
        if window.pk and window.is_one_off:
            zone = ZoneInfo(window.time_zone)
            self.fields["kind"].initial = "one_off"
            self.fields["one_off_start_local"].initial = (
                window.one_off_start.astimezone(zone).replace(tzinfo=None))
            self.fields["one_off_end_local"].initial = (
                window.one_off_end.astimezone(zone).replace(tzinfo=None))  # fmt: skip

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        self._unique(MaintenanceWindow, "name", name)
        return name

    def clean_weekdays(self) -> list[int]:
        return sorted(set(self.cleaned_data["weekdays"]))

    def clean_services(self) -> list[str]:
        text = self.cleaned_data.get("services") or ""
        return [s.strip()[:100] for s in text.split(",") if s.strip()]

    def clean_time_zone(self) -> str:
        value = self.cleaned_data["time_zone"].strip()
        try:
            validate_timezone(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc).capitalize() + ".") from None
        return value

    def _local(self, name: str, zone: ZoneInfo) -> datetime | None:
        # The form reads a naive wall time; the window's zone (not the server's) places it.
        value = self.cleaned_data.get(name)
        if value is None:
            self.add_error(name, "Give the date and time (YYYY-MM-DD HH:MM).")
            return None
        return wall_to_instant(value.replace(tzinfo=None), zone)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        window = self.instance
        zone_name = data.get("time_zone")
        if data.get("kind") == "one_off":
            window.weekdays = []
            if zone_name:
                zone = ZoneInfo(zone_name)
                start = self._local("one_off_start_local", zone)
                end = self._local("one_off_end_local", zone)
                if start and end:
                    if end <= start:
                        self.add_error("one_off_end_local", "The window must end after it "
                                       "starts.")  # fmt: skip
                    elif end - start > MAX_WINDOW:
                        self.add_error("one_off_end_local", "A maintenance window lasts at "
                                       f"most {MAX_WINDOW.days} days.")  # fmt: skip
                    elif end <= self.now:
                        self.add_error("one_off_end_local", "That window is already over.")
                    elif start - self.now > MAX_WINDOW_AHEAD:
                        self.add_error("one_off_start_local", "That is more than "
                                       f"{MAX_WINDOW_AHEAD.days // 365} years ahead.")
                    window.one_off_start, window.one_off_end = start, end
                    local = start.astimezone(zone), end.astimezone(zone)
                    window.starts, window.ends = local[0].time(), local[1].time()
                    data["starts"], data["ends"] = window.starts, window.ends
        else:
            window.one_off_start = window.one_off_end = None
            starts, ends = data.get("starts"), data.get("ends")
            if not data.get("weekdays") and "weekdays" not in self.errors:
                self.add_error("weekdays", "Pick the days the window starts on.")
            for name in ("starts", "ends"):
                if data.get(name) is None and name not in self.errors:
                    self.add_error(name, "Give the time (HH:MM).")
            if starts is not None and starts == ends:
                self.add_error("ends", "The window must end at a different time than it starts.")
        if not self.errors:
            self._check_notice(data)
        return data

    def _check_notice(self, data: dict[str, Any]) -> None:
        """Less notice than the window promises: a one-off window (or a change bringing one
        nearer) is refused unless it is an emergency, with the reason. A recurring window
        scheduled (or rescheduled) without the emergency flag simply starts once its notice
        has run: its first occurrence is the first one clients can be told about in time."""
        window = self.instance
        notice = timedelta(hours=data.get("notice_hours") or 0)
        emergency = bool(data.get("emergency"))
        if emergency and not (data.get("emergency_reason") or "").strip():
            self.add_error("emergency_reason", "Say why this cannot wait for the notice period.")
            return
        stored = None
        if window.pk:
            stored = MaintenanceWindow.objects.for_tenant(self.tenant).get(pk=window.pk)
        if not window.is_one_off:
            rescheduled = stored is None or any(
                getattr(stored, f) != v for f, v in (
                    ("weekdays", data.get("weekdays")), ("starts", data.get("starts")),
                    ("ends", data.get("ends")), ("time_zone", data.get("time_zone")),
                    ("one_off_start", None))
            )  # fmt: skip
            if rescheduled and not emergency and notice:
                earliest = self.now + notice
                if window.active_from is None or window.active_from < earliest:
                    window.active_from = earliest
            return
        rule = WindowRule(time_zone=data["time_zone"], one_off_start=window.one_off_start,
                          one_off_end=window.one_off_end)  # fmt: skip
        soon = occurrences(rule, self.now, self.now + notice)
        if stored is not None and soon:
            # Already announced at these times: not new, so no less notice than promised.
            before = {(o.start, o.end) for o in occurrences(
                WindowRule.of(stored), self.now, self.now + notice)}  # fmt: skip
            soon = [o for o in soon if (o.start, o.end) not in before]
        if soon and not emergency:
            first = soon[0].start.astimezone(ZoneInfo(data["time_zone"]))
            self.add_error("emergency", (
                f"It starts {first:%a %d %b %Y %H:%M} ({data['time_zone']}), less than the "
                f"{data.get('notice_hours')} hours' notice this window promises. Schedule it "
                "later, or tick emergency and give the reason (clients are told it is an "
                "emergency)."
            ))  # fmt: skip


class TenantSlaSettingsForm(forms.ModelForm):
    """The tenant's promises about maintenance and policy changes."""

    class Meta:
        model = TenantSlaSettings
        fields = ["pause_clocks_in_maintenance", "policy_change_notice_days"]


class ExclusionForm(TenantFormMixin, forms.ModelForm):
    """One exclusion of the policy: a short title agents pick, the wording clients read."""

    order = forms.IntegerField(min_value=0, max_value=1000, initial=0, required=False,
                               help_text="Position on the policy page (0 first).")  # fmt: skip

    class Meta:
        model = Exclusion
        fields = ["title", "text", "order", "is_active"]
        widgets = {"text": forms.Textarea(attrs={"rows": 4})}

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError("Give the exclusion a title.")
        self._unique(Exclusion, "title", title)
        return title

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError("Give the policy's wording: clients are shown it.")
        return text

    def clean_order(self) -> int:
        return self.cleaned_data.get("order") or 0
