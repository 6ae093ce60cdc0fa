from __future__ import annotations

from datetime import date

from django import forms

from .models import SCORES
from .services import COMMENT_MAX

EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(choices=SCORES, coerce=int, widget=forms.RadioSelect)
    comment = forms.CharField(
        required=False, max_length=COMMENT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )


class CommentForm(forms.Form):
    comment = forms.CharField(max_length=COMMENT_MAX, widget=forms.Textarea(attrs={"rows": 3}))


class CsatFilterForm(forms.Form):
    date_from = forms.DateField(required=False, label="From")
    date_to = forms.DateField(required=False, label="To")

    def __init__(self, *args: object, today: date, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self) -> dict:
        data = super().clean()
        start = data.get("date_from") or self.today.replace(day=1, month=1)
        end = data.get("date_to") or self.today
        for name, value in (("date_from", start), ("date_to", end)):
            if not EARLIEST <= value <= LATEST:
                self.add_error(name, "Pick a date between 2000 and 2100.")
        if start > end:
            self.add_error("date_to", "The end is before the start.")
        data["date_from"], data["date_to"] = start, end
        return data
