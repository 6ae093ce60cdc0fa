"""Bulk rows for set-based statements, without a model instance or an array literal per row.

- `copy_rows`: COPY … (FORMAT BINARY) into a table: every value dumped in C by its declared
  type. Thousands of rows as `unnest(%s::type[], …)` arrays cost more in the client (each
  element quoted into an array literal) than the statement costs in the server.
- `temp_rows`: the same into a temporary table (dropped at commit) that one statement joins.
- `fetch_binary`: a query whose rows come back in binary (dates, intervals and numbers loaded in
  C; Django's text loader for timestamptz is pure Python).
- `select_instances`: model instances from a written-out query (a hot lookup whose ORM
  compilation costs more than the statement itself).

Column types are PostgreSQL's names that psycopg also knows: int8, int4, int2, bool, text,
varchar, timestamptz, interval, jsonb (a jsonb value is passed as the Python data, encoded as
Django encodes JSONField values, or as `RawJson` text already encoded).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

import psycopg
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import Model
from psycopg.types.json import set_json_dumps

_names = itertools.count(1)
_JSON = DjangoJSONEncoder()


class RawJson(str):
    """JSON text the caller already encoded, for a jsonb column of `copy_rows` (a hot path
    writing thousands of rows of one fixed shape builds them with f-strings)."""


def _json_dumps(value: Any) -> str:
    return str(value) if isinstance(value, RawJson) else _JSON.encode(value)


def copy_rows(*, table: str, columns: Sequence[tuple[str, str]], rows: Iterable[tuple]) -> int:
    """COPY `rows` (tuples in the order of `columns`, (name, type) pairs) into `table`, in
    binary. Returns the number of rows written."""
    names = ", ".join(column for column, _kind in columns)
    count = 0
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)") as copy,
    ):
        set_json_dumps(_json_dumps, cursor.cursor)
        copy.set_types([kind for _column, kind in columns])
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def temp_rows(*, prefix: str, columns: Sequence[tuple[str, str]], rows: Iterable[tuple]) -> str:
    """Create a temporary table of `columns`, COPY `rows` into it and return its name (unique
    in the session: `prefix` and a number). Needs an open transaction (dropped at commit)."""
    if not connection.in_atomic_block:
        raise RuntimeError("temp_rows needs the caller's transaction (its table goes at commit)")
    name = f"{prefix}_{next(_names)}"
    definition = ", ".join(f"{column} {kind}" for column, kind in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {name} ({definition}) ON COMMIT DROP")
    copy_rows(table=name, columns=columns, rows=rows)
    return name


def fetch_binary(sql: str, params: Sequence[Any]) -> list[tuple]:
    """All rows of `sql`, loaded from PostgreSQL's binary format, on Django's connection (and
    so in its transaction)."""
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, binary=True)
        return cursor.fetchall()


def select_instances(
    model: type[Model], sql: str, params: Sequence[Any] | Mapping[str, Any]
) -> list:
    """Instances of `model` from a written-out query selecting `columns_of(model)` (every
    concrete field, in order). For a hot lookup whose ORM compilation costs more than the
    statement; the instances are what the ORM would load (field converters applied, `_state`
    set). The caller's SQL names the tenant, as a scoped queryset would."""
    return [row[0] for row in select_joined((model,), sql, params)]


def select_joined(
    models: Sequence[type[Model]], sql: str, params: Sequence[Any] | Mapping[str, Any]
) -> list[tuple]:
    """`select_instances` for a join: each row selects `columns_of(model)` of every model in
    turn and becomes a tuple of instances (None for a model whose primary key is NULL: the
    missing side of an outer join)."""
    plans = _loading_plans(tuple(models))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found = []
    for row in rows:
        instances = []
        for model, begin, end, pk_index, names, converters in plans:
            values = list(row[begin:end])
            if values[pk_index] is None:
                instances.append(None)
                continue
            for index, functions, col in converters:
                for function in functions:
                    values[index] = function(values[index], col, connection)
            instances.append(model.from_db(connection.alias, names, values))
        found.append(tuple(instances))
    return found


@lru_cache(maxsize=64)
def _loading_plans(models: tuple[type[Model], ...]) -> list[tuple]:
    """For each model of a `select_joined` row: its slice of the row, its primary key's index,
    its attribute names and the converters of the fields that have some."""
    plans = []
    start = 0
    for model in models:
        fields = model._meta.concrete_fields
        converters = []
        for index, field in enumerate(fields):
            functions = field.get_db_converters(connection)
            if functions:
                converters.append((index, functions, field.get_col(model._meta.db_table)))
        pk_index = fields.index(model._meta.pk)
        names = [field.attname for field in fields]
        plans.append((model, start, start + len(fields), pk_index, names, converters))
        start += len(fields)
    return plans


@lru_cache(maxsize=256)
def columns_of(model: type[Model], alias: str = "") -> str:
    """The concrete columns of `model`, in field order, for `select_instances`' queries."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(f"{prefix}{field.column}" for field in model._meta.concrete_fields)
