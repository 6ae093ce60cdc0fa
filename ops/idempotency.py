"""Doing a submission once: API POSTs with an `Idempotency-Key` header, HTML forms with a
one-time token. Implemented once here; tickets' API views and form views use it.

How a repeat is recognised (race-free): the first request inserts an IdempotencyRecord in the
same transaction as its change and stores its response there before committing. A repeat's
INSERT hits the unique (tenant, user, scope, key) constraint; if the first is still running,
PostgreSQL makes the INSERT wait for it, so a double click's second request waits, then
replays the first's response. If the first fails (rolls back), its row goes with it and the
repeat runs as if it were the first. Keys are kept a day (`KEEP_FOR`; swept by
`ops.tasks.idempotency_cleanup_cross_tenant`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from django import forms
from django.db import IntegrityError, transaction
from django.http.request import RawPostDataException
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status as http_status
from rest_framework.request import Request
from rest_framework.response import Response

from .models import IdempotencyRecord

KEEP_FOR = timedelta(days=1)
HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255

T = TypeVar("T")

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "A unique value per intended write (e.g. a UUID), at most 255 characters. Sending the "
        "same key with the same body again within a day replays the first response (same "
        "status and body, header `Idempotent-Replayed: true`) without a second write; two "
        "requests at once with the same key make one write. The same key with another body "
        "is refused with 422."
    ),
)


class KeyReusedError(Exception):
    """The key was used for a different request."""


def _claim(*, tenant: Any, user: Any, scope: str, key: str, request_hash: str
           ) -> IdempotencyRecord | None:  # fmt: skip
    """The earlier record of this key, or None when this request is the first (its row is
    then inserted, uncommitted, in the caller's transaction)."""
    records = IdempotencyRecord.objects.for_tenant(tenant)
    for _attempt in range(2):
        try:
            with transaction.atomic():
                IdempotencyRecord.objects.create(
                    tenant=tenant, user=user, scope=scope, key=key, request_hash=request_hash,
                    status_code=0,
                )  # fmt: skip
            return None
        except IntegrityError:
            pass  # a committed (or, waited for, just committed) earlier request
        existing = records.filter(user=user, scope=scope, key=key).first()
        if existing is None:
            continue  # swept between the INSERT and the SELECT: claim it again
        if existing.created_at < timezone.now() - KEEP_FOR:
            existing.delete()  # expired, not yet swept: the key is free again
            continue
        if existing.request_hash != request_hash:
            raise KeyReusedError(key)
        return existing
    raise IntegrityError(f"idempotency key {key!r} could not be claimed")


def run_once(
    *,
    tenant: Any,
    user: Any,
    scope: str,
    key: str,
    request_hash: str,
    run: Callable[[], T],
    outcome: Callable[[T], tuple[int, Any, str]],
) -> tuple[T | None, IdempotencyRecord | None]:
    """(run()'s result, None) the first time; (None, the earlier record) for a repeat.

    `outcome(result)` gives what to record: (status code, response body, result URL). A
    result whose status is 400 or more is not recorded: a repeat runs again.
    Raises KeyReusedError when the key was used for a different request.
    """
    with transaction.atomic():
        earlier = _claim(tenant=tenant, user=user, scope=scope, key=key,
                         request_hash=request_hash)  # fmt: skip
        if earlier is not None:
            return None, earlier
        result = run()
        status_code, body, url = outcome(result)
        records = IdempotencyRecord.objects.for_tenant(tenant).filter(
            user=user, scope=scope, key=key
        )
        if status_code >= 400:
            records.delete()
        else:
            records.update(status_code=status_code, response_body=body, result_url=url[:500])
    return result, None


# ------------------------------------------------------------------------------ API


def _request_hash(request: Request) -> str:
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.get_full_path()}\n".encode())
    try:
        digest.update(request._request.body)
    except RawPostDataException:  # multipart already parsed: hash what it parsed to
        data = {k: request.data.getlist(k) if hasattr(request.data, "getlist") else v
                for k, v in request.data.items()}  # fmt: skip
        digest.update(json.dumps(data, sort_keys=True, default=repr).encode())
    return digest.hexdigest()


def _api_once(post: Callable[..., Response]) -> Callable[..., Response]:
    @functools.wraps(post)
    def wrapper(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER)
        if key is None:
            return post(self, request, *args, **kwargs)
        if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
            return Response(
                {HEADER: [f"1 to {MAX_KEY_LENGTH} printable ASCII characters."]},
                status=http_status.HTTP_400_BAD_REQUEST,
            )
        try:
            response, earlier = run_once(
                tenant=request.tenant, user=request.user, scope=IdempotencyRecord.Scope.API,
                key=key, request_hash=_request_hash(request),
                run=lambda: post(self, request, *args, **kwargs),
                outcome=lambda r: (r.status_code, r.data, ""),
            )  # fmt: skip
        except KeyReusedError:
            return Response(
                {"detail": f"This {HEADER} was already used for a different request."},
                status=http_status.HTTP_422_UNPROCESSABLE_ENTITY,
            )
        if earlier is not None:
            return Response(
                earlier.response_body,
                status=earlier.status_code,
                headers={"Idempotent-Replayed": "true"},
            )
        return response

    return extend_schema(parameters=[IDEMPOTENCY_PARAMETER])(wrapper)


class IdempotentPostMixin:
    """Every `post` of a subclass honours the `Idempotency-Key` header (and documents it)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        post = cls.__dict__.get("post")
        if post is not None and not getattr(post, "_idempotent", False):
            wrapped = _api_once(post)
            wrapped._idempotent = True  # type: ignore[attr-defined]
            cls.post = wrapped  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------ HTML forms


class OneTimeTokenMixin(forms.Form):
    """A hidden one-time token: a resubmit of the same rendered form is recognised (the view
    helper lands it on the first submission's result instead of doing it again)."""

    submission_token = forms.CharField(required=False, widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("submission_token", uuid.uuid4().hex)
            self.fields["submission_token"].initial = self.initial["submission_token"]

    def clean_submission_token(self) -> str:
        token = self.cleaned_data.get("submission_token") or ""
        # Anything else is ignored rather than refused: the form still works, just without
        # the duplicate protection (as for a client that sends no token).
        return token if len(token) == 32 and all(c in "0123456789abcdef" for c in token) else ""
