"""Running a form's service call: field errors, storage failures and the files of a failed
change handled once for every form that takes text and attachments."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.forms import Form

from ..services.attachments import AttachmentStorageError, attachments_cleanup_on_failure
from .common import add_service_errors

T = TypeVar("T")

# 507 Insufficient Storage: the disk is full; 503: the storage failed otherwise. The client
# can tell "retry later" from "your input is wrong" (400).
STORAGE_FULL = 507
STORAGE_FAILED = 503


def form_service_call(form: Form, call: Callable[[], T]) -> T | None:
    """`call()`'s result, or None with the reason on the form (see `form_error_status`).

    The form is re-rendered bound, so what the user typed is kept whatever failed.
    """
    try:
        with attachments_cleanup_on_failure():
            return call()
    except ValidationError as error:
        add_service_errors(form, error)
    except AttachmentStorageError as error:
        form.add_error("attachments" if "attachments" in form.fields else None, str(error))
        form.error_status = STORAGE_FULL if error.disk_full else STORAGE_FAILED
    return None


def form_error_status(form: Form) -> int:
    return getattr(form, "error_status", 400)
