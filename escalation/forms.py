from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms

from sla.models import Calendar, Priority
from tenants.models import Membership, Tenant
from tenants.roles import STAFF_ROLES

from .models import STAFF_ROLE_CHOICES, EscalationLadder, EscalationLevel, Source, TargetKind


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class OutcomeForm(forms.Form):
    outcome = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class DeescalateForm(forms.Form):
    reason = forms.CharField(max_length=2000, required=False)


def staff_members(tenant: Tenant):
    return (
        Membership.objects.for_tenant(tenant)
        .filter(is_active=True, role__in=sorted(STAFF_ROLES))
        .select_related("user")
        .order_by("user__email")
    )


class ReassignForm(forms.Form):
    owner = forms.ModelChoiceField(queryset=Membership.objects.none())

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff_members(tenant)
        self.fields["owner"].label_from_instance = lambda m: f"{m.user} ({m.get_role_display()})"


class LadderForm(forms.ModelForm):
    sources = forms.MultipleChoiceField(
        choices=Source.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = EscalationLadder
        fields = ["name", "sources", "priority", "is_active"]

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tenant = tenant
        self.fields["priority"].queryset = Priority.objects.for_tenant(tenant)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        clash = EscalationLadder.objects.for_tenant(self.tenant).filter(name=name)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError("Another ladder has this name.")
        return name

    def validate_unique(self) -> None:
        """Checked in clean_name, scoped to the tenant."""


class LevelForm(forms.ModelForm):
    acknowledge_hours = forms.DecimalField(
        min_value=0.01, max_value=10000, decimal_places=2,
        help_text="Hours to acknowledge: business hours on the calendar, or 24/7 without one.",
    )  # fmt: skip

    class Meta:
        model = EscalationLevel
        fields = ["position", "name", "target_kind", "target_role", "target_tier",
                  "target_member", "calendar"]  # fmt: skip

    def __init__(self, *args: Any, tenant: Tenant, ladder: EscalationLadder, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.tenant, self.ladder = tenant, ladder
        self.fields["target_member"].queryset = staff_members(tenant)
        self.fields["calendar"].queryset = Calendar.objects.for_tenant(tenant)
        self.fields["target_role"].choices = [("", "---------"), *STAFF_ROLE_CHOICES]
        self.fields["position"].min_value = 1
        if self.instance.pk:
            hours = self.instance.acknowledge_within.total_seconds() / 3600
            self.initial["acknowledge_hours"] = round(hours, 2)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind = data.get("target_kind")
        needs = {TargetKind.ROLE: "target_role", TargetKind.TIER: "target_tier",
                 TargetKind.MEMBER: "target_member"}  # fmt: skip
        if kind in needs and not data.get(needs[kind]):
            self.add_error(needs[kind], "Required for this kind of level.")
        position = data.get("position")
        if position is not None:
            if position < 1:
                self.add_error("position", "Levels start at 1.")
            clash = EscalationLevel.objects.for_tenant(self.tenant).filter(
                ladder=self.ladder, position=position
            )
            if self.instance.pk:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error("position", "This ladder already has a level at this position.")
        hours = data.get("acknowledge_hours")
        if hours is not None:
            data["acknowledge_within"] = timedelta(seconds=int(hours * 3600))
        return data

    def validate_unique(self) -> None:
        """Checked in clean, scoped to the tenant."""
