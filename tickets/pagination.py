"""Keyset pagination over (field NULLS LAST, id): no OFFSET and no COUNT, however deep.

A page is read in two index range scans: the rows whose field is set, after the cursor, then
(when the cursor has not gone past them yet) the rows whose field is null, by id. Both scans
always run, so a page costs the same number of queries whatever its size.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import F, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.utils.dateparse import parse_datetime


class InvalidCursor(ValueError):
    pass


@dataclass(frozen=True)
class Ordering:
    field: str
    descending: bool = False
    nullable: bool = True

    @property
    def name(self) -> str:
        return f"-{self.field}" if self.descending else self.field


@dataclass
class Page:
    rows: list[Any]
    next_cursor: str | None
    ordering: Ordering


def cursor_encode(value: datetime | None, pk: int) -> str:
    raw = json.dumps([value.isoformat() if value is not None else None, pk])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


# A cursor this module made is under 100 characters; anything far longer is not one (and is
# not worth decoding: nested JSON in it would reach the parser's recursion limit).
MAX_CURSOR_LENGTH = 256
BIGINT_MAX = 2**63 - 1


def cursor_decode(cursor: str) -> tuple[datetime | None, int]:
    try:
        if len(cursor) > MAX_CURSOR_LENGTH:
            raise ValueError
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, pk = json.loads(raw)
        when = parse_datetime(value) if value is not None else None
        if (value is not None and when is None) or not isinstance(pk, int):
            raise ValueError
        if not 0 <= pk <= BIGINT_MAX:  # an id PostgreSQL could not compare with a bigint
            raise ValueError
        if when is not None and when.tzinfo is None:
            raise ValueError
        return when, pk
    except (ValueError, TypeError, OverflowError, json.JSONDecodeError) as error:
        raise InvalidCursor("Invalid cursor.") from error


def _ordered(queryset: QuerySet, ordering: Ordering) -> QuerySet:
    if ordering.descending:
        return queryset.order_by(F(ordering.field).desc(), "-id")
    return queryset.order_by(F(ordering.field).asc(), "id")


def keyset_page(queryset: QuerySet, *, ordering: Ordering, cursor: str | None, size: int) -> Page:
    field = ordering.field
    id_after = "id__lt" if ordering.descending else "id__gt"
    after = cursor_decode(cursor) if cursor else None
    take = size + 1
    rows: list[Any] = []
    if after is None or after[0] is not None:
        part = queryset.filter(**{f"{field}__isnull": False}) if ordering.nullable else queryset
        if after is not None:
            # A row comparison, `(field, id) > (value, pk)`: PostgreSQL starts the index range
            # scan right at the cursor and reads exactly the page.
            after_row = TupleLessThan if ordering.descending else TupleGreaterThan
            part = part.filter(after_row(Tuple(F(field), F("id")), after))
        rows = list(_ordered(part, ordering)[:take])
    if ordering.nullable:
        nulls = queryset.filter(**{f"{field}__isnull": True})
        if after is not None and after[0] is None:
            nulls = nulls.filter(**{id_after: after[1]})
        # Ordered by (field, id) although field is null throughout: that is the index's own
        # order, so the scan walks ticket_queue_idx from `field IS NULL` instead of filtering
        # the tenant's rows by id.
        nulls = _ordered(nulls, ordering)
        rows += list(nulls[: max(take - len(rows), 1)])
    has_more = len(rows) > size
    rows = rows[:size]
    next_cursor = (
        cursor_encode(getattr(rows[-1], field), rows[-1].pk) if has_more and rows else None
    )
    return Page(rows=rows, next_cursor=next_cursor, ordering=ordering)
