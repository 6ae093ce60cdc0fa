"""anymail's URL conf, served on the bare HELPDESK_DOMAIN host only.

One URL per ESP serves every tenant (the tenant comes from the envelope recipient); on a
tenant's host the webhooks do not exist (404), so they never run inside a tenant's pages.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from anymail import inbound as anymail_inbound
from anymail import urls as anymail_urls
from anymail.exceptions import AnymailWebhookValidationFailure
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern

from .parsing import PARSE_POLICY

app_name = anymail_urls.app_name

# anymail parses every delivery with email.policy.default, which parses a header anew on each
# read: the feed parser alone reads a part's Content-Type about twenty times (~1 ms of the
# webhook's ~4.5 ms CPU). The same policy with each header value parsed once (parsing.PARSE_POLICY:
# equal header objects, immutable, cached) is what anymail's parse uses from here on. Only the
# policy module global is swapped; anymail's views, authentication and parse are its own.
anymail_inbound.default_policy = PARSE_POLICY


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


# What anymail's payload parsers raise on a body they cannot read (JSON that is not an object,
# a field of the wrong type, a missing key): bad input, so a 400 (SuspiciousOperation), not a
# 500 that the ESP would retry for ever. Only the parse is covered: an error while the
# delivery is stored (the database down) still answers 500, and the ESP tries again.
_MALFORMED = (ValueError, TypeError, LookupError, AttributeError, UnicodeError)


def _parse_checked(view_class: type) -> type:
    class Checked(view_class):  # type: ignore[misc,valid-type]
        def parse_events(self, request: HttpRequest) -> list:
            try:
                return list(super().parse_events(request))
            except _MALFORMED as error:
                raise AnymailWebhookValidationFailure(
                    f"Malformed {self.esp_name} webhook payload ({type(error).__name__})."
                ) from error

    Checked.__name__ = Checked.__qualname__ = view_class.__name__
    return Checked


def _wrapped(pattern: URLPattern) -> URLPattern:
    callback = pattern.callback
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        callback = _parse_checked(view_class).as_view(**getattr(callback, "view_initkwargs", {}))
    return URLPattern(
        pattern.pattern, bare_domain_only(callback), pattern.default_args, pattern.name
    )


urlpatterns = [_wrapped(p) for p in anymail_urls.urlpatterns]
