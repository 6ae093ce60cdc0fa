"""Small helpers shared by the portal and staff views."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def render_400(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """An invalid form is re-rendered with its field errors and status 400."""
    return render(request, template, context, status=400)


def add_service_errors(form: Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form (field errors where the field exists)."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)
