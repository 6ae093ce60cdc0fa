from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import Escalation, Source, Status


def _inline_enum(values: list[str], description: str) -> type[serializers.CharField]:
    # An inline enum: a named component would collide with other apps' "status" enums.
    @extend_schema_field({"type": "string", "enum": values, "description": description})
    class EnumField(serializers.CharField):
        pass

    return EnumField


StatusField = _inline_enum(Status.values, "open, acknowledged or resolved.")
SourceField = _inline_enum(Source.values, "What started the escalation.")


class EscalationSerializer(serializers.ModelSerializer):
    ticket = serializers.CharField(source="ticket.reference", read_only=True)
    level = serializers.IntegerField(source="level_number", read_only=True, help_text="1-based.")
    status = StatusField(read_only=True)
    source = SourceField(read_only=True)

    class Meta:
        model = Escalation
        fields = ["id", "ticket", "level", "source", "status", "reason", "acknowledge_by",
                  "acknowledged_at", "created_at", "outcome", "resolved_at"]  # fmt: skip
        read_only_fields = fields


class EscalateSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text="Why the ticket needs escalating.")


class ResolveSerializer(serializers.Serializer):
    outcome = serializers.CharField(max_length=2000)
