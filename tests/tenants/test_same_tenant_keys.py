"""A foreign key kept inside its tenant by a SameTenantForeignKey has that composite constraint
as its only one in the database (one check per insert instead of two or three), and the
composite alone still refuses a dangling id, another tenant's row, and a tenant that does not
exist."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction

from tenants.constraints import SameTenantForeignKey
from tests.escalation.factories import ticket_for
from tickets.models import EventKind, TicketEvent

GUARDED = [
    (model, model._meta.get_field(constraint.field), constraint.name)
    for model in apps.get_models()
    for constraint in model._meta.constraints
    if isinstance(constraint, SameTenantForeignKey)
]


def foreign_keys(table: str) -> list[tuple[str, list[str]]]:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.conname, array_agg(a.attname ORDER BY k.ord)
                 FROM pg_constraint c
                 CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
                WHERE c.contype = 'f' AND c.conrelid = %s::regclass
                GROUP BY c.conname""",
            [table],
        )
        return cursor.fetchall()


def test_every_guarded_key_is_named():
    assert len(GUARDED) > 50  # the rule covers the schema, not a handful of tables


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "field", "name"), GUARDED,
                         ids=[f"{m._meta.label}.{f.name}" for m, f, _ in GUARDED])  # fmt: skip
def test_the_pair_is_the_fields_only_constraint(model, field, name):
    keys = dict(foreign_keys(model._meta.db_table))
    assert keys[name] == ["tenant_id", field.column]
    assert [field.column] not in keys.values()
    if not field.null:  # a NOT NULL pair vouches for the tenant too
        assert ["tenant_id"] not in keys.values()


def _insert_event(tenant_id: int, ticket_id: int) -> None:
    with transaction.atomic():
        TicketEvent.objects.create(tenant_id=tenant_id, ticket_id=ticket_id,
                                   kind=EventKind.CREATED)  # fmt: skip
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.django_db
def test_the_pair_alone_refuses_what_the_single_keys_refused(tenant, other_tenant):
    ticket = ticket_for(tenant)
    _insert_event(tenant.pk, ticket.pk)  # the right pair is fine
    for tenant_id, ticket_id in (
        (tenant.pk, ticket.pk + 10_000),  # no such ticket
        (other_tenant.pk, ticket.pk),  # another tenant's ticket
        (other_tenant.pk + 10_000, ticket.pk),  # no such tenant
    ):
        with pytest.raises(IntegrityError):
            _insert_event(tenant_id, ticket_id)
