"""Settings forms. Every bad input is a field error (the view answers 400), never a 500."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

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
        return data


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


class MaintenanceWindowForm(TenantFormMixin, forms.ModelForm):
    weekdays = forms.TypedMultipleChoiceField(
        choices=list(enumerate(DAY_NAMES)),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Pick the days the window starts on."},
    )
    starts = forms.TimeField(
        input_formats=TIME_FORMATS, widget=forms.TimeInput(format="%H:%M"),
        help_text="HH:MM, 24-hour clock.",
    )  # fmt: skip
    ends = forms.TimeField(
        input_formats=TIME_FORMATS, widget=forms.TimeInput(format="%H:%M"),
        help_text="HH:MM; earlier than the start means the window ends the next day.",
    )  # fmt: skip
    time_zone = forms.CharField(max_length=64, help_text="IANA name, e.g. America/New_York.")
    notice_hours = forms.IntegerField(
        min_value=0, max_value=24 * 365, initial=0, help_text="Announced this many hours ahead."
    )

    class Meta:
        model = MaintenanceWindow
        fields = ["name", "weekdays", "starts", "ends", "time_zone", "notice_hours",
                  "description"]  # fmt: skip

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        self._unique(MaintenanceWindow, "name", name)
        return name

    def clean_weekdays(self) -> list[int]:
        return sorted(set(self.cleaned_data["weekdays"]))

    def clean_time_zone(self) -> str:
        value = self.cleaned_data["time_zone"].strip()
        try:
            validate_timezone(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc).capitalize() + ".") from None
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        starts, ends = data.get("starts"), data.get("ends")
        if starts is not None and starts == ends:
            self.add_error("ends", "The window must end at a different time than it starts.")
        return data


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
