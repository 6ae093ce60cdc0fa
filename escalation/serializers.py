from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import Escalation, Source, Status


@extend_schema_field({"type": "string", "description": f"One of: {', '.join(Status.values)}."})
class StatusField(serializers.CharField):
    """A plain string in the schema: an enum named "status" would collide with tickets'."""


@extend_schema_field({"type": "string", "description": f"One of: {', '.join(Source.values)}."})
class SourceField(serializers.CharField):
    pass


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
