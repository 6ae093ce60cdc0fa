"""anymail's URL conf, served on the bare HELPDESK_DOMAIN host only.

One URL per ESP serves every tenant (the tenant comes from the envelope recipient); on a
tenant's host the webhooks do not exist (404), so they never run inside a tenant's pages.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from anymail import urls as anymail_urls
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern

app_name = anymail_urls.app_name


def bare_domain_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request, "tenant", None) is not None:
            raise Http404("Webhooks answer on the site's own domain.")
        # Read the body before anymail parses the form, so the receiver can recover the raw
        # message's exact bytes from it (Django decodes form fields as UTF-8, losing 8-bit
        # bytes in other charsets: Shift_JIS, Windows-1252 ... sent unencoded).
        request.body  # noqa: B018
        return view(request, *args, **kwargs)

    return wrapped


def _wrapped(pattern: URLPattern) -> URLPattern:
    return URLPattern(
        pattern.pattern, bare_domain_only(pattern.callback), pattern.default_args, pattern.name
    )


urlpatterns = [_wrapped(p) for p in anymail_urls.urlpatterns]
