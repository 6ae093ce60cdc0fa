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
