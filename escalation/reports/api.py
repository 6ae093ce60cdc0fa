"""`GET /api/reports/sla/`: the report's figures as JSON, with the page's filters and
permission (Perm.REPORTS_VIEW; anyone else gets a 404)."""

from __future__ import annotations

import zoneinfo
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tenants.api import HasTenantPerm
from tenants.roles import Perm

from . import selectors
from .filters import ReportFilterForm
from .selectors import SlaReport


class FiguresSerializer(serializers.Serializer):
    metric = serializers.ChoiceField(choices=list(selectors.METRIC_LABELS.items()))
    met = serializers.IntegerField()
    breached = serializers.IntegerField(help_text="Late, or running past the deadline now.")
    open = serializers.IntegerField(help_text="Running or paused, deadline not passed.")
    stopped = serializers.IntegerField(help_text="Ended without being owed (not counted).")
    attainment_percent = serializers.FloatField(
        allow_null=True, help_text="met / (met + breached) × 100; null when none is decided."
    )
    breach_minutes = serializers.FloatField(help_text="Wall-clock minutes past the deadlines.")
    response_p50_business_minutes = serializers.FloatField(
        allow_null=True, help_text="Median business time to the answer (met or late)."
    )
    response_p90_business_minutes = serializers.FloatField(allow_null=True)


class MonthFiguresSerializer(FiguresSerializer):
    month = serializers.CharField(help_text="YYYY-MM, the month the clock started (tenant zone).")


class PlanPriorityMonthFiguresSerializer(MonthFiguresSerializer):
    plan = serializers.CharField(help_text="Plan key.")
    priority = serializers.CharField(help_text="Priority key.")


class CustomerFiguresSerializer(FiguresSerializer):
    customer_id = serializers.IntegerField()
    customer = serializers.CharField()


class EscalationLevelSerializer(serializers.Serializer):
    level = serializers.IntegerField()
    escalations = serializers.IntegerField()
    acknowledged = serializers.IntegerField()
    median_minutes_to_acknowledge = serializers.FloatField(allow_null=True)


class EscalationSectionSerializer(serializers.Serializer):
    available = serializers.BooleanField(help_text="False until escalations are recorded.")
    message = serializers.CharField()
    levels = EscalationLevelSerializer(many=True)


class ReportFiltersSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    time_zone = serializers.CharField()
    plan = serializers.CharField(allow_null=True)
    customer = serializers.IntegerField(allow_null=True)


class SlaReportSerializer(serializers.Serializer):
    filters = ReportFiltersSerializer()
    totals = FiguresSerializer(many=True)
    by_month = MonthFiguresSerializer(many=True)
    by_plan_priority_month = PlanPriorityMonthFiguresSerializer(many=True)
    by_customer = CustomerFiguresSerializer(many=True)
    escalations = EscalationSectionSerializer()


def report_data(report: SlaReport) -> dict[str, Any]:
    filters = report.filters
    by_month = [
        {"month": month, "metric": metric, **report.by_month[(month, metric)].as_dict()}
        for month in filters.months
        for metric in report.metrics
        if (month, metric) in report.by_month
    ]
    escalations = report.escalations
    return {
        "filters": {
            "date_from": filters.date_from, "date_to": filters.date_to,
            "time_zone": filters.zone.key, "plan": filters.plan.key if filters.plan else None,
            "customer": filters.customer.pk if filters.customer else None,
        },
        "totals": [{"metric": m, **report.totals[m].as_dict()} for m in report.metrics],
        "by_month": by_month,
        "by_plan_priority_month": [
            {"plan": line.plan.key if line.plan else "",
             "priority": line.priority.key if line.priority else "", "month": line.month,
             "metric": line.metric, **line.figures.as_dict()}
            for line in report.by_plan_priority_month
        ],
        "by_customer": [
            {"customer_id": line.customer.pk if line.customer else 0,
             "customer": line.customer.name if line.customer else "", "metric": line.metric,
             **line.figures.as_dict()}
            for line in report.by_customer
        ],
        "escalations": {
            "available": escalations.available, "message": escalations.message,
            "levels": [vars(level) for level in escalations.levels],
        },
    }  # fmt: skip


FILTER_PARAMETERS = [
    OpenApiParameter("date_from", OpenApiTypes.DATE, description="First day (tenant zone); "
                     "default: the first day of the month five months ago."),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="Last day, inclusive; default "
                     "today. At most 24 months from date_from."),
    OpenApiParameter("plan", OpenApiTypes.STR, description="A plan key."),
    OpenApiParameter("customer", OpenApiTypes.INT, description="A customer id."),
]  # fmt: skip


class SlaReportView(APIView):
    permission_classes = [HasTenantPerm.for_(Perm.REPORTS_VIEW)]

    @extend_schema(
        parameters=FILTER_PARAMETERS,
        responses={
            200: SlaReportSerializer,
            400: OpenApiResponse(description='Field errors, e.g. {"date_to": ["..."]}.'),
        },
        summary="SLA compliance figures (the /reports/ page's)",
        description=(
            "Attainment, breaches and response times of the SLA clocks started in the range, "
            "by plan × priority × month, by month, per customer and in total. A clock counts "
            "as breached when late or running past its deadline now; response times are "
            "business time on the target's calendar. Bad filters answer 400 with field errors."
        ),
    )
    def get(self, request: Request) -> Response:
        tenant = request.tenant
        plans, priorities, customers = selectors.report_choices(tenant=tenant)
        form = ReportFilterForm(
            request.query_params, plans=plans, customers=customers,
            zone=zoneinfo.ZoneInfo(tenant.time_zone),
        )  # fmt: skip
        if not form.is_valid():
            raise serializers.ValidationError(
                {field: list(errors) for field, errors in form.errors.items()}
            )
        report = selectors.sla_report(
            tenant=tenant, filters=form.filters(), plans=plans, priorities=priorities,
            customers=customers,
        )  # fmt: skip
        return Response(SlaReportSerializer(report_data(report)).data)
