"""Tenancy by construction.

Every tenant-owned model inherits `TenantOwned`: a `tenant` foreign key and a queryset whose
`for_tenant(tenant)` is the way request code reaches rows. While a request is being served
(`request_scope()` is active), evaluating a queryset on tenant data that is not restricted to
one tenant raises `UnscopedQueryError` instead of quietly returning other tenants' rows.

A queryset counts as scoped when its WHERE clause pins the `tenant` column, when it is a related
manager of a tenant-owned row (`ticket.messages.all()`: that row was itself reached through a
scoped query), or when it is a prefetch (`fk__in` a list of such rows). A filter on a raw id
(`Ticket.objects.filter(customer_id=5)`) is not scoped: the id may be another tenant's.
Cross-tenant jobs call `cross_tenant()` and say so in their names.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Self

from django.db import models
from django.db.models.lookups import Lookup

if TYPE_CHECKING:
    from .models import Tenant

_request_scope: ContextVar[bool] = ContextVar("tenant_request_scope", default=False)
_current_tenant: ContextVar[Tenant | None] = ContextVar("tenant_current", default=None)


class UnscopedQueryError(RuntimeError):
    """A query on tenant data ran in request code without being scoped to a tenant."""


@contextlib.contextmanager
def request_scope() -> Iterator[None]:
    token = _request_scope.set(True)
    try:
        yield
    finally:
        _request_scope.reset(token)


@contextlib.contextmanager
def tenant_scope(tenant: Tenant) -> Iterator[Tenant]:
    """Run a job (a Celery task, a command) for one tenant under the same guard as a request:
    inside, a query on tenant data that is not scoped to a tenant raises UnscopedQueryError.

    Cross-tenant jobs do not enter it (or leave their unscoped reads outside it), and say
    so in their names (`*_cross_tenant`).
    """
    if tenant is None:
        raise UnscopedQueryError("tenant_scope() needs a tenant")
    scope_token = _request_scope.set(True)
    tenant_token = _current_tenant.set(tenant)
    try:
        yield tenant
    finally:
        _current_tenant.reset(tenant_token)
        _request_scope.reset(scope_token)


def current_tenant() -> Tenant | None:
    """The tenant of the enclosing `tenant_scope`, if any."""
    return _current_tenant.get()


def _is_tenant_owned(model: type[models.Model] | None) -> bool:
    return model is not None and issubclass(model, TenantOwned)


def _where_is_scoped(node: Any) -> bool:
    # Only AND-ed conditions narrow the result; an OR could widen it past one tenant.
    if isinstance(node, Lookup):
        target = getattr(node.lhs, "target", None)
        if target is None:
            return False
        if target.name == "tenant" or target.attname == "tenant_id":
            return True
        remote = getattr(target, "related_model", None)
        return bool(
            node.lookup_name == "in" and target.is_relation and _is_tenant_owned(remote)
        )
    children = getattr(node, "children", None)
    if not children or getattr(node, "negated", False):
        return False
    if getattr(node, "connector", "AND") == "AND":
        return any(_where_is_scoped(child) for child in children)
    return all(_where_is_scoped(child) for child in children)


class TenantQuerySet(models.QuerySet):
    _cross_tenant = False

    def for_tenant(self, tenant: Tenant) -> Self:
        if tenant is None:
            raise UnscopedQueryError(f"{self.model.__name__}.for_tenant() needs a tenant")
        return self.filter(tenant=tenant)

    def cross_tenant(self) -> Self:
        """For the few jobs that read every tenant's rows (scans, admin of the whole site)."""
        clone = self._chain()
        clone._cross_tenant = True
        return clone

    def _clone(self) -> Self:
        clone = super()._clone()
        clone._cross_tenant = self._cross_tenant
        return clone

    def _check_scope(self) -> None:
        if not _request_scope.get() or self._cross_tenant:
            return
        related_to_owned_row = any(
            isinstance(instance, TenantOwned)
            for instances in self._known_related_objects.values()
            for instance in instances.values()
        )
        if not related_to_owned_row and not _where_is_scoped(self.query.where):
            raise UnscopedQueryError(
                f"Unscoped query on tenant data ({self.model.__name__}): "
                "use .for_tenant(request.tenant)."
            )

    def _fetch_all(self) -> None:
        if self._result_cache is None:
            self._check_scope()
        super()._fetch_all()

    def count(self) -> int:
        if self._result_cache is None:
            self._check_scope()
        return super().count()

    def exists(self) -> bool:
        if self._result_cache is None:
            self._check_scope()
        return super().exists()

    def aggregate(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        self._check_scope()
        return super().aggregate(*args, **kwargs)

    def update(self, **kwargs: Any) -> int:
        self._check_scope()
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        self._check_scope()
        return super().delete()

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> int:
        """Rows already in hand name their tenant: scope the UPDATE to it (one tenant only)."""
        objs = list(objs)
        tenant_ids = {obj.tenant_id for obj in objs}
        if len(tenant_ids) > 1 and not self._cross_tenant:
            raise UnscopedQueryError(
                f"bulk_update of {self.model.__name__} rows of several tenants: "
                "use .cross_tenant() in a job that says so."
            )
        queryset = self.filter(tenant_id=tenant_ids.pop()) if tenant_ids else self
        return super(TenantQuerySet, queryset).bulk_update(objs, fields, batch_size=batch_size)

    def iterator(self, chunk_size: int | None = None) -> Iterator[Any]:
        self._check_scope()
        return super().iterator(chunk_size=chunk_size)


TenantManager = models.Manager.from_queryset(TenantQuerySet)


class TenantOwned(models.Model):
    # No single-column index: UNIQUE (tenant_id, id) below and every composite index start with
    # tenant_id, and each index is paid for on every write of the hottest tables.
    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.CASCADE, related_name="+", db_index=False
    )

    objects = TenantManager()
    # Django's own lookups of one row by key go through the base manager: following a forward
    # foreign key from a row already reached through a scoped query (`ticket.customer`), and
    # model validation of a foreign key. Those are safe (SameTenantForeignKey keeps such keys
    # inside the tenant), so the base manager is not policed. Request code never uses it.
    base_objects = models.Manager()  # noqa: DJ012

    class Meta:
        abstract = True
        base_manager_name = "base_objects"
        # The target of SameTenantForeignKey constraints pointing at this table.
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "id"], name="%(app_label)s_%(class)s_tenant_id_uniq"
            )
        ]
