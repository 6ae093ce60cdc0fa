"""DRF plumbing: the tenant comes from the host, the membership from the user, in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, permissions
from rest_framework.authentication import TokenAuthentication
from rest_framework.request import Request
from rest_framework.response import Response

from .middleware import membership_for

if TYPE_CHECKING:
    from rest_framework.views import APIView


def _attach_membership(request: Request, user: Any) -> None:
    tenant = getattr(request, "tenant", None)
    membership = membership_for(tenant=tenant, user=user) if tenant is not None else None
    request.membership = membership
    request._request.membership = membership


class TenantTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`; the user must be a member of the host's tenant."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        result = super().authenticate(request)
        if result is None:
            return None
        _attach_membership(request, result[0])
        if request.membership is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        return result


class IsTenantMember(permissions.BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        if getattr(request, "tenant", None) is None:
            raise exceptions.NotFound()
        return getattr(request, "membership", None) is not None


class HasTenantPerm(IsTenantMember):
    """`permission_classes = [HasTenantPerm.for_(Perm.X)]`; a missing perm is a 404."""

    perm: str = ""

    @classmethod
    def for_(cls, perm: str) -> type[HasTenantPerm]:
        return type(f"HasTenantPerm_{perm}", (cls,), {"perm": perm})

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not super().has_permission(request, view):
            return False
        if self.perm and not request.membership.can(self.perm):
            raise exceptions.NotFound()
        return True


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Model-level validation errors are the client's fault: 400 with field messages."""
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail)
    return drf_exception_handler(exc, context)
