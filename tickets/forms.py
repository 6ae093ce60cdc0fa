"""Forms for the portal and the queue. Choices are always the request tenant's rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms

from ops.idempotency import OneTimeTokenMixin
from sla.exclusions import exclusions
from sla.models import Channel, Exclusion, Priority
from tenants.models import Membership, Tenant
from tenants.roles import CLIENT_ROLES, STAFF_ROLES

from . import services
from .models import CannedResponse, Category, Status
from .services.assignment import TIERS
from .services.attachments import attachment_limits_text


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        cleaned = [super(MultipleFileField, self).clean(f, initial) for f in files]
        errors = services.attachments_validate(cleaned)
        if errors:
            raise forms.ValidationError(errors)
        return cleaned


def attachments_field() -> MultipleFileField:
    return MultipleFileField(
        required=False, label="Attachments", help_text=attachment_limits_text()
    )


class PriorityChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Priority) -> str:
        return f"{obj.label} — {obj.definition}" if obj.definition else obj.label


class CategoryChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        return obj.name


@dataclass(frozen=True)
class CategoryGuidance:
    """One category's priority guidance, as shown at submission."""

    key: str
    name: str
    # (priority label, text), in the tenant's priority order; only priorities it has
    per_priority: list[tuple[str, str]]
    general: list[str]  # lines that name no priority


def _priority_names(priority: Priority) -> set[str]:
    # "Critical (P1)" is also called "Critical" and "P1" in guidance lines.
    label = priority.label.strip().lower()
    names = {label, priority.key.lower(), label.split(" (")[0]}
    if "(" in label and label.endswith(")"):
        names.add(label[label.index("(") + 1 : -1])
    return names


def category_guidance(category: Category, priorities: list[Priority]) -> CategoryGuidance:
    """Split "<priority>: text" lines per priority of this tenant.

    A line naming a priority the tenant does not have is dropped, never shown: the form must
    not mention a priority the client cannot choose (cloudops has no Critical). Lines naming
    no priority at all are kept as general guidance.
    """
    by_name = {name: p for p in priorities for name in _priority_names(p)}
    found: dict[int, str] = {}
    general: list[str] = []
    # Priority names some tenant uses: a line led by one this tenant lacks is not shown.
    known_words = {"critical", "high", "medium", "low", "p1", "p2", "p3", "p4"}
    for line in (ln.strip() for ln in category.guidance.replace("\r\n", "\n").split("\n")):
        if not line:
            continue
        head, sep, text = line.partition(":")
        name = head.strip().lower()
        if sep and name in by_name:
            found[by_name[name].pk] = text.strip()
        elif sep and (name in known_words or name.split(" (")[0] in known_words):
            continue  # a priority this tenant does not have
        else:
            general.append(line)
    rows = [(p.label, found[p.pk]) for p in priorities if p.pk in found]
    return CategoryGuidance(category.key, category.name, rows, general)


class TicketForm(OneTimeTokenMixin):
    subject = forms.CharField(max_length=250)
    priority = PriorityChoice(
        queryset=Priority.objects.none(), to_field_name="key", widget=forms.RadioSelect,
        empty_label=None,
    )  # fmt: skip
    category = CategoryChoice(queryset=Category.objects.none(), to_field_name="key", required=False)
    description = forms.CharField(widget=forms.Textarea, max_length=100_000)
    attachments = attachments_field()

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        priorities = Priority.objects.for_tenant(tenant).order_by("order")
        self.fields["priority"].queryset = priorities
        categories = Category.objects.for_tenant(tenant).order_by("order", "name")
        self.fields["category"].queryset = categories
        # The template shows the chosen category's guidance per priority (static/js/guidance.js
        # switches it when the category changes; without JS every category's is listed).
        shown = [category_guidance(c, list(priorities)) for c in categories]
        self.category_guidance = [g for g in shown if g.per_priority or g.general]


class ClientChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Membership) -> str:
        return f"{obj.user.email} ({obj.customer.name})"


class OnBehalfForm(TicketForm):
    requester = ClientChoice(queryset=Membership.objects.none(), label="Client")
    channel = forms.ChoiceField(
        choices=[(c, Channel(c).label) for c in (Channel.PHONE, Channel.CHAT, Channel.EMAIL)]
    )
    field_order = ["requester", "channel", "subject", "priority", "category", "description"]

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, tenant=tenant, **kwargs)
        self.fields["requester"].queryset = (
            Membership.objects.for_tenant(tenant)
            .filter(role__in=sorted(CLIENT_ROLES), is_active=True)
            .select_related("user", "customer")
            .order_by("customer__name", "user__email")
        )


class ReplyForm(OneTimeTokenMixin):
    body = forms.CharField(widget=forms.Textarea, max_length=100_000, label="Message")
    attachments = attachments_field()


class StaffReplyForm(ReplyForm):
    internal = forms.BooleanField(required=False)


def version_field() -> forms.IntegerField:
    """The ticket version the page showed: a change from an older one is refused (409)."""
    return forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=1, max_value=2**31 - 1
    )


class TicketChangeForm(forms.Form):
    """A work-page change of one ticket field, made from the version the agent saw."""

    version = version_field()

    def with_version(self, version: int) -> None:
        """After a conflict: the agent's choice kept, the version now the current one, so
        submitting again (having read what changed) applies it."""
        data = self.data.copy()
        data["version"] = str(version)
        self.data = data


class StatusForm(TicketChangeForm):
    status = forms.ChoiceField(choices=Status.choices)


class StaffChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Membership) -> str:
        return str(obj.user)


def staff_queryset(tenant: Tenant) -> Any:
    return (
        Membership.objects.for_tenant(tenant)
        .filter(role__in=sorted(STAFF_ROLES), is_active=True)
        .select_related("user")
        .order_by("user__email")
    )


class AssignForm(TicketChangeForm):
    assignee = StaffChoice(queryset=Membership.objects.none(), required=False, label="Assignee")

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = staff_queryset(tenant)


class PriorityForm(TicketChangeForm):
    priority = forms.ModelChoiceField(queryset=Priority.objects.none(), to_field_name="key")

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["priority"].queryset = Priority.objects.for_tenant(tenant)


class TierForm(TicketChangeForm):
    tier = forms.TypedChoiceField(choices=[(t, f"Tier {t}") for t in TIERS], coerce=int)


class ExclusionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Exclusion) -> str:
        return obj.title


class OutOfScopeForm(TicketChangeForm):
    exclusion = ExclusionChoice(queryset=Exclusion.objects.none(), label="Exclusion cited",
                                empty_label="Choose the exclusion that applies…")  # fmt: skip
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False,
                           max_length=2000, label="Note (history only)")  # fmt: skip

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["exclusion"].queryset = exclusions(tenant=tenant)


class BulkForm(forms.Form):
    references = forms.CharField(widget=forms.MultipleHiddenInput, required=False)
    action = forms.ChoiceField(choices=[("assign", "Assign"), ("status", "Set status")])
    assignee = StaffChoice(queryset=Membership.objects.none(), required=False)
    status = forms.ChoiceField(choices=Status.choices, required=False)

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = staff_queryset(tenant)
        self.references = self.data.getlist("references") if self.data else []

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not self.references:
            raise forms.ValidationError("Select at least one ticket.")
        selected = len(set(self.references))
        if selected > services.BULK_MAX:
            raise forms.ValidationError(
                f"{selected:,} tickets selected: at most {services.BULK_MAX:,} at once. "
                "Nothing was changed; narrow the selection."
            )
        if cleaned.get("action") == "status" and not cleaned.get("status"):
            self.add_error("status", "Choose a status.")
        return cleaned


class CannedForm(forms.ModelForm):
    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        others = CannedResponse.objects.for_tenant(self.instance.tenant).filter(title=title)
        if others.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("A canned response with this title exists.")
        return title

    class Meta:
        model = CannedResponse
        fields = ["title", "body"]
        help_texts = {
            "body": "Placeholders: "
            + ", ".join(f"{{{{ {p} }}}}" for p in services.PLACEHOLDERS)
        }
