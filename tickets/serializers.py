"""API shapes. Thin: validation of input types here, rules in the services."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from rest_framework import serializers

from sla.exclusions import exclusions
from sla.models import Channel, Exclusion, Priority
from tenants.models import Membership

from .models import Attachment, Category, Message, Status, Ticket


class TicketListSerializer(serializers.ModelSerializer):
    priority = serializers.CharField(source="priority.key")
    priority_label = serializers.CharField(source="priority.label")
    category = serializers.CharField(source="category.key", default=None)
    customer = serializers.CharField(source="customer.name")
    plan = serializers.CharField(source="customer.plan.key")
    requester = serializers.EmailField(source="requester.user.email")
    assignee = serializers.EmailField(source="assignee.user.email", default=None)
    is_breached = serializers.BooleanField(
        source="is_breached_now",
        read_only=True,
        help_text="A clock breached, or the nearest running deadline has passed (now).",
    )

    class Meta:
        model = Ticket
        fields = [
            "reference",
            "subject",
            "status",
            "priority",
            "priority_label",
            "category",
            "channel",
            "customer",
            "plan",
            "requester",
            "assignee",
            "tier",
            "first_response_due_at",
            "resolution_due_at",
            "next_due_at",
            "is_breached",
            "first_responded_at",
            "resolved_at",
            "closed_at",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "version": {
                "help_text": "Bumped by every change: send it back (`version` in the body or "
                "`If-Match`) with a change, and a stale one is refused with 409."
            }
        }


class ExclusionCitedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    text = serializers.CharField(help_text="The policy's wording, as shown to the client.")


class TicketDetailSerializer(TicketListSerializer):
    sla = serializers.SerializerMethodField()
    out_of_scope = ExclusionCitedSerializer(
        allow_null=True, read_only=True,
        help_text="The policy exclusion cited when the ticket was closed as out of scope.",
    )  # fmt: skip

    class Meta(TicketListSerializer.Meta):
        fields = [*TicketListSerializer.Meta.fields, "description", "tags", "out_of_scope", "sla"]
        read_only_fields = fields

    def get_sla(self, ticket: Ticket) -> dict[str, Any]:
        """Each clock by metric, with its ledger."""
        from sla.serializers import SlaClockSerializer

        clocks = self.context.get("clocks", [])
        return {clock.metric: SlaClockSerializer(clock).data for clock in clocks}


class TicketCreateSerializer(serializers.Serializer):
    subject = serializers.CharField(max_length=250)
    description = serializers.CharField(max_length=100_000)
    priority = serializers.SlugRelatedField(slug_field="key", queryset=Priority.objects.none())
    category = serializers.SlugRelatedField(
        slug_field="key", queryset=Category.objects.none(), required=False, allow_null=True
    )
    requester = serializers.EmailField(
        required=False, help_text="Staff only: the client the ticket is logged for."
    )
    channel = serializers.ChoiceField(
        choices=Channel.choices, required=False, help_text="Staff only; clients get `api`."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tenant = self.context.get("tenant")  # absent when the schema is generated
        if tenant is not None:
            self.fields["priority"].queryset = Priority.objects.for_tenant(tenant)
            self.fields["category"].queryset = Category.objects.for_tenant(tenant)

    def validate_requester(self, email: str) -> Membership:
        membership = self.context["membership"]
        if membership.is_client:
            raise serializers.ValidationError("Clients file tickets for themselves.")
        found = (
            Membership.objects.for_tenant(self.context["tenant"])
            .filter(user__email=email.strip().lower(), is_active=True, customer__isnull=False)
            .select_related("customer__plan", "user")
            .first()
        )
        if found is None:
            raise serializers.ValidationError("No client with this email address.")
        return found


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "filename", "content_type", "size", "created_at", "url"]
        read_only_fields = fields

    def get_url(self, attachment: Attachment) -> str:
        return reverse(
            "tickets:attachment",
            kwargs={"reference": self.context["reference"], "attachment_id": attachment.pk},
        )


class MessageSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()
    internal = serializers.BooleanField(source="is_internal")
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Message
        fields = [
            "id",
            "author",
            "internal",
            "body_html",
            "body_text",
            "channel",
            "created_at",
            "attachments",
        ]
        read_only_fields = fields

    def get_author(self, message: Message) -> str:
        return message.author.user.email if message.author else message.author_email


class MessageCreateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=100_000)
    internal = serializers.BooleanField(default=False)

    def validate_internal(self, internal: bool) -> bool:
        if internal and not self.context["membership"].is_staff_member:
            raise serializers.ValidationError("Only agents can add internal notes.")
        return internal


def version_field() -> serializers.IntegerField:
    return serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text="The ticket `version` the change is based on (or send `If-Match` with the "
        "ETag of GET /api/tickets/{reference}/). A stale one answers 409 with the changes "
        "since; leaving both out applies the change to the ticket as it is now (accepted "
        "for older clients, but then a colleague's change can be overwritten unnoticed).",
    )


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices)
    version = version_field()


class OutOfScopeSerializer(serializers.Serializer):
    exclusion = serializers.PrimaryKeyRelatedField(
        queryset=Exclusion.objects.none(),
        help_text="The id of one of the tenant's active exclusions (the policy page lists them).",
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    version = version_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tenant = self.context.get("tenant")  # absent when the schema is generated
        if tenant is not None:
            self.fields["exclusion"].queryset = exclusions(tenant=tenant)


class StaleChangeSerializer(serializers.Serializer):
    actor = serializers.EmailField(allow_null=True)
    kind = serializers.CharField()
    field = serializers.CharField()
    from_value = serializers.CharField()
    to_value = serializers.CharField()
    at = serializers.DateTimeField()


class StaleTicketSerializer(serializers.Serializer):
    """The 409 body: the change was based on `expected`, the ticket is at `version`."""

    detail = serializers.CharField()
    reference = serializers.CharField()
    expected = serializers.IntegerField()
    version = serializers.IntegerField()
    changes = StaleChangeSerializer(many=True)


class AssignSerializer(serializers.Serializer):
    assignee = serializers.EmailField(allow_null=True, help_text="A staff member, or null.")
    version = version_field()

    def validate_assignee(self, email: str | None) -> Membership | None:
        if email is None:
            return None
        from tenants.roles import STAFF_ROLES

        found = (
            Membership.objects.for_tenant(self.context["tenant"])
            .filter(user__email=email.strip().lower(), role__in=sorted(STAFF_ROLES), is_active=True)
            .select_related("user")
            .first()
        )
        if found is None:
            raise serializers.ValidationError("No staff member with this email address.")
        return found
