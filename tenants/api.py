"""DRF plumbing: the tenant comes from the host, the membership from the user, in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, permissions
from rest_framework.authentication import TokenAuthentication, get_authorization_header
from rest_framework.request import Request
from rest_framework.response import Response

from .middleware import membership_for
from .services import api_token_authenticate

if TYPE_CHECKING:
    from rest_framework.views import APIView


def _attach_membership(request: Request, user: Any) -> None:
    tenant = getattr(request, "tenant", None)
    membership = membership_for(tenant=tenant, user=user) if tenant is not None else None
    request.membership = membership
    request._request.membership = membership


class TenantTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`: a live token of this host's tenant (tenants.ApiToken; not
    expired, not revoked), whose user is active and still a member here. A subclass of DRF's
    for its `WWW-Authenticate: Token` answer and the schema's security scheme; DRF's own token
    model (one per user, no expiry) is not used."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header.")
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError as error:
            raise exceptions.AuthenticationFailed("Invalid token.") from error
        tenant = getattr(request, "tenant", None)
        token = api_token_authenticate(tenant=tenant, key=key) if tenant is not None else None
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        _attach_membership(request, token.user)
        if request.membership is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        return token.user, token


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
