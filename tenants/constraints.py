"""A database constraint that keeps a foreign key inside one tenant.

`SameTenantForeignKey(field="customer")` on a tenant-owned model adds
`FOREIGN KEY (tenant_id, customer_id) REFERENCES <customer table> (tenant_id, id)`, so a row can
never point at another tenant's row, whatever the code above it does. The referenced table
carries `UNIQUE (tenant_id, id)` from `TenantOwned.Meta`. The constraint is created with the
migration's deferred SQL, after every table of the migration exists.

It is the field's one foreign key in the database: the field's own single-column constraint
(`customer_id REFERENCES customer (id)`) says less (a row matching the pair exists, so the id
does) and would make PostgreSQL check every insert twice, at commit, for nothing; so the field
is given `db_constraint=False` when its model is prepared (`_unconstrain_guarded_fields`). So is
`tenant` on a model with such a pair that is NOT NULL: each row then names a row of its own tenant
whose constraints vouch for the tenant (down to a table with no such pair, which keeps its
`tenant_id` constraint), and deleting a tenant still has to delete every row first. The ORM's
behaviour (joins, `on_delete`, which Django carries out itself) is unchanged.
"""

from __future__ import annotations

from typing import Any

from django.db.models import BaseConstraint
from django.db.models.signals import class_prepared


class SameTenantForeignKey(BaseConstraint):
    def __init__(self, *, field: str, name: str, **kwargs: Any) -> None:
        self.field = field
        super().__init__(name=name, **kwargs)

    def _sql(self, model: Any, schema_editor: Any) -> str:
        fk = model._meta.get_field(self.field)
        remote = fk.related_model._meta
        quote = schema_editor.quote_name
        remote_columns = f"{quote('tenant_id')}, {quote(remote.pk.column)}"
        return (
            f"ALTER TABLE {quote(model._meta.db_table)} ADD CONSTRAINT {quote(self.name)} "
            f"FOREIGN KEY ({quote('tenant_id')}, {quote(fk.column)}) "
            f"REFERENCES {quote(remote.db_table)} ({remote_columns}) "
            "DEFERRABLE INITIALLY DEFERRED"
        )

    def constraint_sql(self, model: Any, schema_editor: Any) -> None:
        # Inside CREATE TABLE the referenced table may not exist yet: defer to the end.
        schema_editor.deferred_sql.append(self._sql(model, schema_editor))
        return None

    def create_sql(self, model: Any, schema_editor: Any) -> None:
        # Also deferred: the referenced table's UNIQUE (tenant_id, id) may come later in the
        # same migration.
        schema_editor.deferred_sql.append(self._sql(model, schema_editor))
        return None

    def remove_sql(self, model: Any, schema_editor: Any) -> str:
        quote = schema_editor.quote_name
        return f"ALTER TABLE {quote(model._meta.db_table)} DROP CONSTRAINT {quote(self.name)}"

    def validate(self, *args: Any, **kwargs: Any) -> None:
        return None

    def deconstruct(self) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        path, args, kwargs = super().deconstruct()
        kwargs["field"] = self.field
        return path, args, kwargs

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SameTenantForeignKey):
            return self.name == other.name and self.field == other.field
        return super().__eq__(other)

    def __hash__(self) -> int:
        return hash((self.name, self.field))


def _unconstrain_guarded_fields(sender: Any, **kwargs: Any) -> None:
    """A foreign key guarded by a SameTenantForeignKey keeps that constraint only. Not for the
    migrations' historical models: their fields say what the migrations made them."""
    if sender.__module__ == "__fake__":
        return
    guarded = [
        sender._meta.get_field(constraint.field)
        for constraint in getattr(sender._meta, "constraints", ())
        if isinstance(constraint, SameTenantForeignKey)
    ]
    for field in guarded:
        field.db_constraint = False
    if any(not field.null for field in guarded):
        # Every row names a row of the same tenant (a NOT NULL pair), whose own constraints
        # vouch for the tenant: the tenant_id constraint would be a third check per insert.
        sender._meta.get_field("tenant").db_constraint = False


class_prepared.connect(_unconstrain_guarded_fields)
