"""The escalations REST API: thin over selectors and services."""

from __future__ import annotations

from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ops.idempotency import IdempotentPostMixin
from tenants.api import HasTenantPerm
from tenants.roles import Perm
from tickets import selectors as ticket_selectors

from . import selectors, services
from .models import Source
from .serializers import EscalateSerializer, EscalationSerializer, ResolveSerializer

CONFLICT = OpenApiResponse(description="An escalation of this ticket is already open.")
BAD_INPUT = OpenApiResponse(description='Field errors, e.g. {"outcome": ["..."]}.')
NOT_YOURS = OpenApiResponse(description="No such escalation, or not one you may see.")
ALREADY = OpenApiResponse(description='The escalation is past this step: {"status": ["..."]}.')


class EscalationPagination(CursorPagination):
    ordering = ("-created_at", "-id")
    page_size = 50

    def decode_cursor(self, request: Request) -> Cursor | None:
        """A cursor this API did not make is a 400 on `cursor` (as on /api/tickets/), not
        DRF's 404, nor a 400 from deep in the ORM when its position is no timestamp."""
        try:
            cursor = super().decode_cursor(request)
        except NotFound as error:
            raise ValidationError({"cursor": ["Invalid cursor."]}) from error
        if cursor is not None and cursor.position is not None:
            try:
                when = parse_datetime(cursor.position)
            except ValueError:
                when = None
            if when is None or when.tzinfo is None:
                raise ValidationError({"cursor": ["Invalid cursor."]})
        return cursor


class EscalationList(APIView):
    permission_classes = [HasTenantPerm.for_(Perm.ESCALATION_HANDLE)]

    @extend_schema(
        operation_id="escalations_list",
        parameters=[
            OpenApiParameter("ticket", str, description="A ticket reference."),
            OpenApiParameter(
                "status",
                str,
                description="open, acknowledged, resolved "
                "(comma-separated) or all; default open and acknowledged.",
            ),
            OpenApiParameter("level", int, description="1-based level."),
            OpenApiParameter("source", str, enum=Source.values),
            OpenApiParameter("customer", int, description="A customer id."),
            OpenApiParameter("priority", str, description="A priority key."),
            OpenApiParameter("owner", str, description="A member id, or `me`."),
            OpenApiParameter("cursor", str, description="From the previous page's `next`."),
        ],
        responses={
            200: inline_serializer(
                "EscalationPage",
                {
                    "next": serializers.CharField(allow_null=True),
                    "previous": serializers.CharField(allow_null=True),
                    "results": EscalationSerializer(many=True),
                },
            ),
            400: BAD_INPUT,
        },
    )
    def get(self, request: Request) -> Response:
        filters, errors = selectors.filters_from_params(request.query_params, me=request.membership)
        if errors:
            raise ValidationError(errors)
        rows = selectors.escalation_list(
            tenant=request.tenant, membership=request.membership, filters=filters
        )
        paginator = EscalationPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(EscalationSerializer(page, many=True).data)


class EscalationAction(IdempotentPostMixin, APIView):
    permission_classes = [HasTenantPerm.for_(Perm.ESCALATION_HANDLE)]

    def escalation(self, escalation_id: int):
        return selectors.escalation_for_member_or_404(
            tenant=self.request.tenant,
            membership=self.request.membership,
            escalation_id=escalation_id,
        )


class EscalationAcknowledge(EscalationAction):
    @extend_schema(
        request=None, responses={200: EscalationSerializer, 400: ALREADY, 404: NOT_YOURS}
    )
    def post(self, request: Request, escalation_id: int) -> Response:
        escalation = services.escalation_acknowledge(
            tenant=request.tenant, escalation=self.escalation(escalation_id),
            actor=request.membership,
        )  # fmt: skip
        return Response(EscalationSerializer(escalation).data)


class EscalationResolve(EscalationAction):
    @extend_schema(
        request=ResolveSerializer,
        responses={200: EscalationSerializer, 400: BAD_INPUT, 404: NOT_YOURS},
    )
    def post(self, request: Request, escalation_id: int) -> Response:
        escalation = self.escalation(escalation_id)
        serializer = ResolveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        escalation = services.escalation_resolve(
            tenant=request.tenant, escalation=escalation, actor=request.membership,
            outcome=serializer.validated_data["outcome"],
        )  # fmt: skip
        return Response(EscalationSerializer(escalation).data)


class TicketEscalate(IdempotentPostMixin, APIView):
    """A client requests escalation of their ticket; an agent escalates one."""

    @extend_schema(
        operation_id="tickets_escalate",
        request=EscalateSerializer,
        responses={
            201: EscalationSerializer,
            400: BAD_INPUT,
            404: OpenApiResponse(description="No such ticket, or not one you may see."),
            409: CONFLICT,
        },
    )
    def post(self, request: Request, reference: str) -> Response:
        membership = request.membership
        if membership.can(Perm.ESCALATION_REQUEST):
            source = Source.CLIENT_REQUEST
        elif membership.can(Perm.ESCALATION_RAISE):
            source = Source.AGENT
        else:
            raise NotFound()
        ticket = ticket_selectors.ticket_for_member_or_404(
            tenant=request.tenant, membership=membership, reference=reference
        )
        serializer = EscalateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            escalation = services.escalation_open(
                tenant=request.tenant, ticket=ticket, source=source, requested_by=membership,
                reason=serializer.validated_data["reason"],
            )  # fmt: skip
        except services.EscalationConflict as error:
            return Response({"detail": " ".join(error.messages)}, status=status.HTTP_409_CONFLICT)
        return Response(EscalationSerializer(escalation).data, status=status.HTTP_201_CREATED)
