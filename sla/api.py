"""Read-only SLA configuration API: the tenant comes from the host (request.tenant)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tenants.api import IsTenantMember
from tenants.input_guard import query_datetime

from . import selectors
from .serializers import CalendarSerializer, PlanSerializer, PrioritySerializer

# Serializer method fields, typed for the schema.
extend_schema_field(OpenApiTypes.DATETIME)(CalendarSerializer.get_next_open)
extend_schema_field({"type": "array", "items": {"type": "string", "format": "date"}})(
    CalendarSerializer.get_closures
)


def _parse_at(request: Request) -> datetime:
    raw = request.query_params.get("at")
    if raw is None:
        return timezone.now()
    try:
        # Bounded: an impossible date (Feb 30) or one near year 9999 (where calendar
        # arithmetic overflows) is the client's mistake, a 400 with the reason.
        return query_datetime(raw)
    except ValueError as error:
        raise serializers.ValidationError({"at": [str(error)]}) from error


class PlanList(APIView):
    permission_classes = [IsTenantMember]

    @extend_schema(
        responses=PlanSerializer(many=True),
        summary="Plans with the targets of the policy version in force",
    )
    def get(self, request: Request) -> Response:
        pairs = selectors.plans_with_targets(tenant=request.tenant, at=timezone.now())
        policies = {plan.pk: policy for plan, policy in pairs if policy is not None}
        plans = [plan for plan, _ in pairs]
        return Response(PlanSerializer(plans, many=True, context={"policies": policies}).data)


class CalendarList(APIView):
    permission_classes = [IsTenantMember]

    @extend_schema(
        responses=CalendarSerializer(many=True),
        parameters=[
            OpenApiParameter(
                "at", OpenApiTypes.DATETIME, description="Compute next_open from here (now)."
            )
        ],
        summary="Business calendars with their next opening",
    )
    def get(self, request: Request) -> Response:
        at = _parse_at(request)
        calendars = selectors.calendars(tenant=request.tenant)
        return Response(CalendarSerializer(calendars, many=True, context={"at": at}).data)


class PriorityList(APIView):
    permission_classes = [IsTenantMember]

    @extend_schema(responses=PrioritySerializer(many=True), summary="The tenant's priorities")
    def get(self, request: Request) -> Response:
        priorities = selectors.priorities(tenant=request.tenant)
        return Response(PrioritySerializer(priorities, many=True).data)
