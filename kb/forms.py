from __future__ import annotations

from typing import Any

from django import forms

from tenants.models import Tenant
from tickets.models import Category

from .models import Visibility


class ArticleForm(forms.Form):
    title = forms.CharField(max_length=200)
    slug = forms.SlugField(
        max_length=120, required=False, help_text="Leave empty to make one from the title."
    )
    category = forms.ModelChoiceField(queryset=Category.objects.none(), required=False)
    visibility = forms.ChoiceField(choices=Visibility.choices)
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 18}),
        help_text="Markdown: **bold**, [link](https://…), lists, tables.",
    )

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.for_tenant(tenant)


class FeedbackForm(forms.Form):
    helpful = forms.TypedChoiceField(
        choices=[("yes", "Yes"), ("no", "No")], coerce=lambda v: v == "yes"
    )


class SearchForm(forms.Form):
    """A search box's text. Django's CharField refuses NUL characters (PostgreSQL cannot
    store or compare them): such a query is a 400 with the field error, not a 500."""

    q = forms.CharField(required=False, max_length=500, strip=True)


def one_time_token(value: str | None) -> str:
    """The new-ticket form's token as the tickets form makes it (32 hex digits); anything
    else is ignored (no click is recorded) rather than stored."""
    value = value or ""
    return value if len(value) == 32 and all(c in "0123456789abcdef" for c in value) else ""
