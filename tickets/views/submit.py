"""Running a form's service call: field errors, storage failures and the files of a failed
change handled once for every form that takes text and attachments."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest

from ops.idempotency import run_once
from ops.models import IdempotencyRecord

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


@dataclass(frozen=True)
class Submitted(Generic[T]):
    result: T | None  # None for a resubmit: the first submission made it
    url: str
    replayed: bool


def form_submit_once(
    request: HttpRequest, form: Form, call: Callable[[], T], result_url: Callable[[T], str]
) -> Submitted[T] | None:
    """`form_service_call`, once per rendered form: a resubmit of the same form (double click,
    reload, back and submit again) does nothing new and lands on the first one's result.
    None when the form got errors (nothing was done; the token is still unused)."""
    token = form.cleaned_data.get("submission_token") or ""
    if not token:  # a client that sends no token: no duplicate protection, nothing else lost
        result = form_service_call(form, call)
        return None if result is None else Submitted(result, result_url(result), False)
    outcome = form_service_call(form, lambda: run_once(
        tenant=request.tenant, user=request.user, scope=IdempotencyRecord.Scope.FORM,
        key=token, request_hash="", run=call, outcome=lambda r: (200, None, result_url(r)),
    ))  # fmt: skip
    if outcome is None:
        return None
    result, earlier = outcome
    if earlier is not None:
        messages.info(request, "That was already sent: here it is.")
        return Submitted(None, earlier.result_url, True)
    return Submitted(result, result_url(result), False)
