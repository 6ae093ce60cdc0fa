"""API representations of SLA configuration and clocks (the tickets API embeds clocks)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import (
    ResolvedComponent,
    build_array_type,
    build_choice_description_list,
)
from rest_framework import serializers

from .models import (
    Calendar,
    Channel,
    ClockSegment,
    Plan,
    Priority,
    SlaClock,
    SupportPolicy,
    Target,
)

CHANNEL_ENUM = "ChannelEnum"


class ChannelListField(serializers.ListField):
    """A plan's channels: documented as an array of the one `ChannelEnum` the tickets API uses
    for a ticket's channel, instead of a second name (`ChannelsEnum`) for the same choices."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(child=serializers.ChoiceField(choices=Channel.choices), **kwargs)


class ChannelListFieldSchema(OpenApiSerializerFieldExtension):
    target_class = ChannelListField

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        # Same name, type and object as the component the enum post-processing hook makes
        # for `channel` fields, so whichever registers first wins and the other is a no-op.
        component = ResolvedComponent(
            name=CHANNEL_ENUM,
            type=ResolvedComponent.SCHEMA,
            object=CHANNEL_ENUM,
            schema={
                "enum": list(Channel.values),
                "type": "string",
                "description": build_choice_description_list(Channel.choices),
            },
        )
        auto_schema.registry.register_on_missing(component)
        return build_array_type(component.ref)


class ClockSegmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClockSegment
        fields = [
            "kind", "started_at", "ended_at", "business_time", "due_at_before", "due_at_after",
            "note",
        ]  # fmt: skip
        read_only_fields = fields


class SlaClockSerializer(serializers.ModelSerializer):
    """One clock with its ledger. Load with `sla.selectors.clocks_for_ticket` (prefetched)."""

    calendar_name = serializers.CharField(source="target.calendar.name", read_only=True)
    calendar_time_zone = serializers.CharField(source="target.calendar.time_zone", read_only=True)
    policy_version = serializers.IntegerField(source="target.policy.version", read_only=True)
    segments = ClockSegmentSerializer(many=True, read_only=True)

    class Meta:
        model = SlaClock
        fields = [
            "metric", "status", "cycle", "started_at", "due_at", "next_alert_at", "met_at",
            "breached_at", "warned_percent", "target_duration", "consumed", "consumed_as_of",
            "paused_at", "calendar_name",
            "calendar_time_zone", "policy_version", "segments",
        ]  # fmt: skip
        read_only_fields = fields


class PrioritySerializer(serializers.ModelSerializer):
    class Meta:
        model = Priority
        fields = ["id", "key", "label", "definition", "order"]
        read_only_fields = fields


class TargetSerializer(serializers.ModelSerializer):
    priority = serializers.CharField(source="priority.key", read_only=True)
    calendar = serializers.CharField(source="calendar.name", read_only=True)

    class Meta:
        model = Target
        fields = ["id", "priority", "metric", "duration", "calendar"]
        read_only_fields = fields


class PolicyInForceSerializer(serializers.ModelSerializer):
    targets = TargetSerializer(many=True, read_only=True)

    class Meta:
        model = SupportPolicy
        fields = ["id", "version", "effective_from", "warning_thresholds", "max_pause", "targets"]
        read_only_fields = fields


class PlanSerializer(serializers.ModelSerializer):
    channels = ChannelListField(read_only=True)
    policy = serializers.SerializerMethodField()

    class Meta:
        model = Plan
        fields = ["id", "key", "name", "description", "channels", "policy"]
        read_only_fields = fields

    def get_policy(self, plan: Plan) -> dict[str, Any] | None:
        policy = self.context["policies"].get(plan.pk)
        return PolicyInForceSerializer(policy).data if policy is not None else None


class CalendarSerializer(serializers.ModelSerializer):
    next_open = serializers.SerializerMethodField()
    closures = serializers.SerializerMethodField()

    class Meta:
        model = Calendar
        fields = [
            "id", "name", "time_zone", "always_open", "weekly", "holiday_country",
            "holiday_subdivision", "closures", "revision", "next_open",
        ]  # fmt: skip
        read_only_fields = fields

    def get_next_open(self, calendar: Calendar) -> str:
        return calendar.as_business_calendar().next_open(self.context["at"]).isoformat()

    def get_closures(self, calendar: Calendar) -> list[str]:
        return [closure.date.isoformat() for closure in calendar.closures.all()]
