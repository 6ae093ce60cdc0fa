"""API parsers that refuse NUL characters anywhere in the input, and JSON nested too deeply.

PostgreSQL cannot store or even compare text containing NUL (0x00): a lookup such as
`Priority.objects.get(key="a\\x00b")` raises DataError, a 500. Refusing such input once, at
the parser, gives every API endpoint a clear 400 without each field having to remember.

Python's json module recurses once per nesting level: 5,000 `[` raise RecursionError (a 500
that also costs a deep stack). No request body of this API nests more than a few levels, so
the depth is counted before parsing and anything deeper than MAX_JSON_DEPTH is a 400.
"""

from __future__ import annotations

import codecs
import json
import re
from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.settings import api_settings

MAX_JSON_DEPTH = 32
# JSON strings (whose brackets do not count) and the brackets outside them. The string pattern
# is the "unrolled loop" form: linear, no backtracking on long strings.
_JSON_NESTING_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def json_nesting_exceeds(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when `text` opens more than `limit` arrays/objects inside each other."""
    depth = 0
    for match in _JSON_NESTING_TOKENS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > limit:
                return True
        elif token in "]}":
            depth -= 1
    return False


def _contains_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_contains_nul(k) or _contains_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_contains_nul(v) for v in value)
    if hasattr(value, "lists"):  # QueryDict
        return any(_contains_nul(k) or _contains_nul(v) for k, v in value.lists())
    return False


def _checked(data: Any) -> Any:
    payload = data.data if isinstance(data, parsers.DataAndFiles) else data
    if _contains_nul(payload):
        raise ParseError("NUL characters are not allowed in the request.")
    return data


class JSONParser(parsers.JSONParser):
    def parse(
        self, stream: Any, media_type: str | None = None, parser_context: Any = None
    ) -> Any:
        encoding = (parser_context or {}).get("encoding") or "utf-8"
        try:
            text = codecs.getreader(encoding)(stream).read() if stream is not None else ""
        except (UnicodeDecodeError, LookupError) as error:
            raise ParseError(f"JSON parse error - {error}") from error
        if json_nesting_exceeds(text):
            raise ParseError(f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels.")
        strict = api_settings.STRICT_JSON
        try:
            data = json.loads(text, parse_constant=_refuse_constant if strict else None)
        except ValueError as error:
            raise ParseError(f"JSON parse error - {error}") from error
        return _checked(data)


def _refuse_constant(name: str) -> None:
    raise ValueError(f"Out of range float values are not JSON compliant: {name!r}")


class FormParser(parsers.FormParser):
    def parse(self, *args: Any, **kwargs: Any) -> Any:
        return _checked(super().parse(*args, **kwargs))


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, *args: Any, **kwargs: Any) -> Any:
        return _checked(super().parse(*args, **kwargs))
