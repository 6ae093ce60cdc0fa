"""Hostile input stops where it enters: the path and query string of every request.

PostgreSQL refuses text containing NUL (a lookup with one raises DataError), Python's `int()`
refuses more than 4,300 digits (ValueError), and `datetime` refuses years past 9999
(OverflowError). Each of these used to surface as a 500 from whichever view, API or admin page
happened to use the value. Instead:

- `InputGuardMiddleware` answers 400 for every request whose path, query string or cookies hold
  a control character, malformed percent-encoding or bytes that are not UTF-8, before any view
  (the admin's and DRF's included) can put the value in a query;
- `query_int` and `query_datetime` are the one way to turn a query parameter into a number or
  an instant: bounded, and `None`/ValueError instead of an exception from the interpreter.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

# C0 controls and DEL. Tab, newline and carriage return may be part of a search typed into a
# textarea-like box, so query values may carry them; paths and parameter names may not.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_IN_VALUE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A "%" not followed by two hex digits.
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")

# int() refuses strings over 4,300 digits (ValueError). No number a query string carries needs
# more than a few dozen; longer ones are refused before int() sees them. Values beyond a
# column's range are the ORM's business (Django answers "no such row" for them).
MAX_INT_DIGITS = 100
# Instants outside these bounds are refused: calendar arithmetic near year 9999 overflows
# `datetime`, and no support policy promises anything a century away.
EARLIEST_INSTANT = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_INSTANT = datetime(2200, 1, 1, tzinfo=UTC)


def _path_problem(path: str) -> str | None:
    if _CONTROL.search(path):
        return "The address contains control characters."
    # Django re-escapes bytes of the path that are not UTF-8 ("%C0%AE" stays "%C0%AE" in
    # request.path_info): unescaping them again tells them apart. A literal "%" sent as "%25"
    # would be unescaped too; no route of this site has one in a path segment.
    try:
        unquote_to_bytes(path).decode("utf-8")
    except UnicodeDecodeError:
        return "The address is not valid UTF-8."
    return None


def _query_problem(query_string: str) -> str | None:
    if not query_string:
        return None
    if _BAD_PERCENT.search(query_string):
        return "The query string has malformed percent-encoding."
    for pair in query_string.split("&"):
        if not pair:
            continue
        key, _, value = pair.partition("=")
        try:
            key = unquote_to_bytes(key.replace("+", " ")).decode("utf-8")
            value = unquote_to_bytes(value.replace("+", " ")).decode("utf-8")
        except UnicodeDecodeError:
            return "The query string is not valid UTF-8."
        if _CONTROL.search(key) or _CONTROL_IN_VALUE.search(value):
            return "The query string contains control characters."
    return None


def request_input_problem(request: HttpRequest) -> str | None:
    """Why this request's path or query string cannot be served, or None."""
    query_string = request.META.get("QUERY_STRING", "")
    try:
        # Like the path, a raw (unescaped) non-ASCII query string arrives as latin-1 code
        # points of its bytes; they must be UTF-8.
        query_string = query_string.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return "The query string is not valid UTF-8."
    if _CONTROL.search(request.META.get("HTTP_COOKIE", "")):
        # The session cookie's value is looked up in the database (a NUL is a DataError there).
        return "The cookies contain control characters."
    return _path_problem(request.path_info) or _query_problem(query_string)


class InputGuardMiddleware:
    """First in line: a request with an unusable path or query string is a 400, for every
    view, the API and the admin alike."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problem = request_input_problem(request)
        if problem is not None:
            if request.META.get("PATH_INFO", "").startswith("/api/"):
                return JsonResponse({"detail": problem}, status=400)
            return HttpResponseBadRequest(problem, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class BodySizeMiddleware:
    """A request body larger than its kind needs is a 413 before anything reads it.

    DATA_UPLOAD_MAX_MEMORY_SIZE is raised site-wide (ESPs post a whole raw message as one form
    field, and an oversize message must still arrive to be kept and answered); everywhere but
    the inbound webhooks, a body is held to what the site's own forms and API take:
    REQUEST_BODY_MAX_BYTES (Django's default 2.5 MB) for JSON and urlencoded forms, plus
    ATTACHMENT_MAX_FILES x ATTACHMENT_MAX_BYTES for a multipart form (its files)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.META.get("PATH_INFO", "")
        if not path.startswith(WEBHOOK_PREFIX):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0  # Django refuses a malformed length itself (an empty body)
            limit = settings.REQUEST_BODY_MAX_BYTES
            if request.META.get("CONTENT_TYPE", "").startswith("multipart/"):
                # Room for every file a form takes, so a form over its own limits (by count,
                # size or total) answers with its field errors rather than this.
                limit += settings.ATTACHMENT_MAX_FILES * settings.ATTACHMENT_MAX_BYTES
            if length > limit:
                message = f"The request is too large (at most {limit:,} bytes)."
                if path.startswith("/api/"):
                    return JsonResponse({"detail": message}, status=413)
                return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


WEBHOOK_PREFIX = "/anymail/"


def query_int(raw: str | None, *, minimum: int = 0, maximum: int | None = None) -> int | None:
    """`raw` as a whole number in [minimum, maximum], or None (absent, blank or not one).

    `str.isdecimal()` rather than `isdigit()`: "²" is a digit to Python, not to `int()`. The
    length is checked before `int()` so a 5,000-digit value never reaches the interpreter's
    conversion limit.
    """
    if raw is None:
        return None
    text = raw.strip()
    if not text or len(text) > MAX_INT_DIGITS or not text.isascii() or not text.isdecimal():
        return None
    value = int(text)
    if value < minimum or maximum is not None and value > maximum:
        return None
    return value


def query_datetime(raw: str) -> datetime:
    """An ISO 8601 instant with an offset, within the supported range; ValueError with a
    message fit for the client otherwise (impossible dates such as Feb 30 included)."""
    text = raw.strip().replace(" ", "+")  # an unescaped "+02:00" arrives as " 02:00"
    try:
        parsed = parse_datetime(text)
    except (ValueError, OverflowError):
        parsed = None
    if parsed is None:
        raise ValueError("Give an ISO 8601 date-time with an offset, e.g. 2026-03-01T09:00:00Z.")
    if timezone.is_naive(parsed):
        raise ValueError("Include a UTC offset (e.g. Z or +02:00).")
    try:
        in_range = EARLIEST_INSTANT <= parsed <= LATEST_INSTANT
    except OverflowError:  # an offset pushes year 1 or 9999 past datetime's range
        in_range = False
    if not in_range:
        raise ValueError(
            f"Give a date-time between {EARLIEST_INSTANT.year} and {LATEST_INSTANT.year}."
        )
    return parsed
