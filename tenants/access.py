"""View guards: who may open a page of this tenant."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse


def reader_zone(request: HttpRequest) -> str:
    """The reader's zone: their own setting if the user model has one, else the tenant's.
    Every page shows instants in it (the layers above tenants all ask here)."""
    own = getattr(getattr(request, "user", None), "time_zone", "") or ""
    try:
        ZoneInfo(own)
        return own
    except (ValueError, KeyError, OSError):  # empty or unknown: fall back to the tenant's
        return request.tenant.time_zone


def member_required(
    perm: str | None = None,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Anonymous users go to the login page; a member without `perm` gets a 404.

    A 404, not a 403: a page the member may not see does not exist for them.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if getattr(request, "tenant", None) is None:
                raise Http404("No tenant here.")
            membership = getattr(request, "membership", None)
            if membership is None:
                return redirect_to_login(request.get_full_path())
            if perm is not None and not membership.can(perm):
                raise Http404("Not found.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
