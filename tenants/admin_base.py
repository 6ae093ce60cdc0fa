"""The tenant-aware Django admin's building blocks, below every app that registers models.

On a tenant host the admin is that tenant's back office: every row, every choice of a foreign
key (select, raw id, autocomplete, list filter), every lookup and every "view on site" link
sees only the host tenant's rows, and another tenant's id answers exactly like a missing one.
Users are not tenant-owned (one person can belong to several tenants): on a tenant host the
users one can see or pick are the tenant's members. On the bare site domain the admin is for
superusers and reads across tenants (`cross_tenant()`).

`helpdesk/admin.py` keeps the admin site; the apps import from here, never from `helpdesk`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.contrib.admin.filters import FieldListFilter, RelatedFieldListFilter
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.admin.widgets import (
    AutocompleteSelect,
    AutocompleteSelectMultiple,
    ForeignKeyRawIdWidget,
    ManyToManyRawIdWidget,
)
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Model, QuerySet
from django.db.models.constants import LOOKUP_SEP
from django.http import Http404, HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.text import Truncator

from .roles import Perm
from .scoping import TenantOwned

if TYPE_CHECKING:
    from .models import Tenant


def host_tenant(request: HttpRequest | None) -> Tenant | None:
    return getattr(request, "tenant", None)


def may_administer(request: HttpRequest) -> bool:
    user = request.user
    if not user.is_active or not user.is_authenticated:
        return False
    if host_tenant(request) is None:
        return bool(user.is_superuser)
    membership = getattr(request, "membership", None)
    return membership is not None and membership.can(Perm.SETTINGS_MANAGE)


def tenant_members(tenant: Tenant) -> QuerySet:
    """Users with a membership in `tenant` (active or not): the only users its admin sees."""
    from .models import Membership, User

    member_ids = Membership.objects.for_tenant(tenant).values("user_id")
    return User.objects.filter(pk__in=member_ids)


def scoped_choices(model: type[Model] | None, request: HttpRequest | None) -> QuerySet | None:
    """The rows of `model` this request's admin may see or pick; None: no rule (bare domain,
    rows that are not people or tenant data)."""
    from .models import User

    if model is None:
        return None
    tenant = host_tenant(request)
    manager = model._default_manager
    if issubclass(model, TenantOwned):
        return manager.cross_tenant() if tenant is None else manager.for_tenant(tenant)
    if tenant is None:
        return None
    if issubclass(model, User):
        return tenant_members(tenant)
    # Platform rows (tenants, permissions, content types) are never a tenant admin's to pick.
    return manager.none()


def _get_in(queryset: QuerySet, **lookup: Any) -> Any:
    """One row of `queryset`, or None for a missing, foreign or malformed key alike."""
    try:
        return queryset.filter(**lookup).first()
    except (ValueError, TypeError, ValidationError):
        return None


class ScopedRawIdWidget(ForeignKeyRawIdWidget):
    """The raw-id widget labels a value only when it is a row the field may hold."""

    def __init__(self, *args: Any, queryset: QuerySet, **kwargs: Any) -> None:
        self.queryset = queryset
        super().__init__(*args, **kwargs)

    def label_and_url_for_value(self, value: Any) -> tuple[str, str]:
        key = self.rel.get_related_field().name
        obj = _get_in(self.queryset, **{key: value})
        if obj is None:
            return "", ""
        try:
            meta = obj._meta
            url = reverse(f"{self.admin_site.name}:{meta.app_label}_{meta.model_name}_change",
                          args=(obj.pk,))  # fmt: skip
        except NoReverseMatch:
            url = ""
        return Truncator(obj).words(14), url


class ScopedManyToManyRawIdWidget(ManyToManyRawIdWidget):
    def __init__(self, *args: Any, queryset: QuerySet, **kwargs: Any) -> None:
        self.queryset = queryset
        super().__init__(*args, **kwargs)


class _ValidSelectedOnly:
    """Django's autocomplete widget filters the submitted value straight into SQL: 'x' for an
    integer key is a 500. Values that are not even a key are simply not selected."""

    def optgroups(self, name: str, value: Any, attr: Any = None) -> Any:
        remote = self.field.remote_field
        opts = remote.model._meta
        target = opts.get_field(getattr(remote, "field_name", None) or opts.pk.attname)

        def is_key(item: Any) -> bool:
            try:
                target.to_python(item)
            except (ValidationError, ValueError, TypeError):
                return False
            return True

        return super().optgroups(name, [v for v in value if is_key(v)], attr)


class ScopedAutocompleteSelect(_ValidSelectedOnly, AutocompleteSelect):
    pass


class ScopedAutocompleteSelectMultiple(_ValidSelectedOnly, AutocompleteSelectMultiple):
    pass


class ScopedRelatedFieldListFilter(RelatedFieldListFilter):
    """A list filter on a relation offers only the rows the request may see (Django's own
    reads every row of the related table)."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> list:
        queryset = scoped_choices(field.related_model, request)
        if queryset is None:
            return super().field_choices(field, request, model_admin)
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            queryset = queryset.order_by(*ordering)
        return [(obj.pk, str(obj)) for obj in queryset]


# Every relational list filter of every model admin, the class and not one example.
FieldListFilter.register(
    lambda f: f.remote_field is not None, ScopedRelatedFieldListFilter, take_priority=True
)


class ScopedAutocompleteJsonView(AutocompleteJsonView):
    """`/admin/autocomplete/`: results come from the scoped choices of the remote model too,
    whatever its own admin's queryset does."""

    def get_queryset(self) -> QuerySet:
        queryset = super().get_queryset()
        scoped = scoped_choices(queryset.model, self.request)
        if scoped is not None and host_tenant(self.request) is not None:
            queryset = queryset.filter(pk__in=scoped.values("pk"))
        return queryset


def view_on_site_allowed(request: HttpRequest, content_type_id: int, object_id: str) -> bool:
    """Whether `/admin/r/<ct>/<id>/` may say anything about the row (else: a plain 404)."""
    try:
        model = ContentType.objects.get_for_id(content_type_id).model_class()
    except ContentType.DoesNotExist:
        return False
    queryset = scoped_choices(model, request)
    if queryset is None:
        return host_tenant(request) is None
    return _get_in(queryset, pk=object_id) is not None


class TenantScopedModelForm(forms.ModelForm):
    """Model validation knows the host tenant: unique constraints that lead with `tenant`
    are checked inside it (a scoped query) instead of being skipped or run unscoped."""

    host_tenant: Tenant | None = None

    def _post_clean(self) -> None:
        if self.host_tenant is not None:
            self.instance.tenant = self.host_tenant
        super()._post_clean()

    def _get_validation_exclusions(self) -> set[str]:
        exclude = super()._get_validation_exclusions()
        if self.host_tenant is not None:
            exclude.discard("tenant")
        return exclude


def _relation_path_allowed(model: type[Model], lookup: str) -> bool:
    """A lookup may walk relations between tenant rows; a hop into a row that is not tenant
    data (a user, a tenant) must end there: from a user, `memberships__tenant__…` would reach
    other tenants' rows and say who belongs where."""
    for part in lookup.split(LOOKUP_SEP):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return True  # a transform or lookup name: the path ends here
        if not field.is_relation:
            return True
        if not issubclass(model, TenantOwned):
            return False
        model = field.related_model
    return True


class TenantScopedAdmin(admin.ModelAdmin):
    """Base for tenant-owned models: rows, choices, lookups and new objects stay in the host's
    tenant; another tenant's id is a 404 exactly like a missing one."""

    form = TenantScopedModelForm

    def get_queryset(self, request: HttpRequest) -> Any:
        queryset = super().get_queryset(request)
        tenant = host_tenant(request)
        return queryset.cross_tenant() if tenant is None else queryset.for_tenant(tenant)

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        exclude = list(super().get_exclude(request, obj) or [])
        if host_tenant(request) is not None:
            exclude.append("tenant")
        return exclude

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, **kwargs)
        if issubclass(form, TenantScopedModelForm):
            # modelform_factory made a fresh class for this request: safe to set on it.
            form.host_tenant = host_tenant(request)
        return form

    # ----------------------------------------------------------------- foreign-key widgets

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        queryset = self._scope_choices(db_field, request, kwargs)
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs.setdefault("widget", ScopedAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            ))  # fmt: skip
        elif queryset is not None and db_field.name in self.raw_id_fields:
            kwargs.setdefault("widget", ScopedRawIdWidget(
                db_field.remote_field, self.admin_site, using=kwargs.get("using"),
                queryset=queryset,
            ))  # fmt: skip
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        queryset = self._scope_choices(db_field, request, kwargs)
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs.setdefault("widget", ScopedAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            ))  # fmt: skip
        elif queryset is not None and db_field.name in self.raw_id_fields:
            kwargs.setdefault("widget", ScopedManyToManyRawIdWidget(
                db_field.remote_field, self.admin_site, using=kwargs.get("using"),
                queryset=queryset,
            ))  # fmt: skip
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def _scope_choices(
        self, db_field: Any, request: HttpRequest, kwargs: dict[str, Any]
    ) -> QuerySet | None:
        queryset = scoped_choices(db_field.related_model, request)
        if queryset is not None:
            limit = db_field.get_limit_choices_to()
            kwargs["queryset"] = queryset.complex_filter(limit) if limit else queryset
        return kwargs.get("queryset")

    # ----------------------------------------------------------------- lookups and search

    def lookup_allowed(self, lookup: str, value: Any, request: HttpRequest | None = None) -> bool:
        if host_tenant(request) is not None and not _relation_path_allowed(self.model, lookup):
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_search_results(self, request: HttpRequest, queryset: Any, search_term: str) -> Any:
        # Search narrows a queryset that is already scoped (the changelist's and the
        # autocomplete's come from get_queryset); keep it so even if a caller passes another.
        tenant = host_tenant(request)
        if (
            tenant is not None
            and isinstance(queryset.model, type)
            and issubclass(queryset.model, TenantOwned)
        ):
            queryset = queryset.for_tenant(tenant)
        return super().get_search_results(request, queryset, search_term)

    # ----------------------------------------------------------------- one row

    def _require_in_tenant(self, request: HttpRequest, object_id: str | None) -> None:
        """Another tenant's row is a 404 before any permission check can answer 403."""
        if object_id is None:
            return
        if _get_in(self.get_queryset(request), pk=unquote(object_id)) is None:
            raise Http404("Not found.")

    def change_view(self, request: HttpRequest, object_id: str, *args: Any, **kwargs: Any) -> Any:
        self._require_in_tenant(request, object_id)
        return super().change_view(request, object_id, *args, **kwargs)

    def delete_view(self, request: HttpRequest, object_id: str, *args: Any, **kwargs: Any) -> Any:
        self._require_in_tenant(request, object_id)
        return super().delete_view(request, object_id, *args, **kwargs)

    def history_view(self, request: HttpRequest, object_id: str, *args: Any, **kwargs: Any) -> Any:
        self._require_in_tenant(request, object_id)
        return super().history_view(request, object_id, *args, **kwargs)

    def _get_obj_does_not_exist_redirect(self, request: HttpRequest, opts: Any, object_id: str):
        # Another tenant's row is a 404, exactly like a missing one (no "doesn't exist" hint).
        raise Http404("Not found.")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        tenant = host_tenant(request)
        if tenant is not None:
            obj.tenant = tenant
        super().save_model(request, obj, form, change)

    # ----------------------------------------------------------------- permissions

    def _may(self, request: HttpRequest) -> bool:
        return may_administer(request)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._may(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._may(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request)


class ConfiguredElsewhereAdmin(TenantScopedAdmin):
    """Read-only: the model changes only through its settings pages, whose services keep what
    depends on it (running clocks' deadlines, policy versions) right. Never a second door."""

    settings_url_name = ""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def _settings_note(self, request: HttpRequest, extra_context: dict | None) -> dict:
        context = dict(extra_context or {})
        if self.settings_url_name and host_tenant(request) is not None:
            where = reverse(self.settings_url_name)
            context["subtitle"] = f"Read-only here: change it on the settings pages ({where})."
        return context

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> Any:
        return super().changelist_view(request, self._settings_note(request, extra_context))

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "",
        extra_context: dict | None = None,
    ) -> Any:  # fmt: skip
        context = self._settings_note(request, extra_context)
        return super().change_view(request, object_id, form_url, context)


class ReadOnlyAdmin(TenantScopedAdmin):
    """Rows written only by the services that cause them: listed and viewed, never added,
    changed or deleted here (the admin is no second door)."""

    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and self._may(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
