"""The tickets REST API: tenant from the host, role-aware, thin over selectors and services."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ops.idempotency import IdempotentPostMixin
from sla.models import Channel
from tenants.api import HasTenantPerm
from tenants.input_guard import query_int
from tenants.roles import Perm

from . import selectors, services
from .models import Ticket
from .pagination import InvalidCursor
from .serializers import (
    AssignSerializer,
    MessageCreateSerializer,
    MessageSerializer,
    OutOfScopeSerializer,
    StaleTicketSerializer,
    StatusSerializer,
    TicketCreateSerializer,
    TicketDetailSerializer,
    TicketListSerializer,
)
from .services import StaleTicket
from .views.filters import filters_from_params

MAX_PAGE_SIZE = 100


IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    location=OpenApiParameter.HEADER,
    required=False,
    description='The ETag of GET /api/tickets/{reference}/ (e.g. `"7"`): the change is refused '
    "with 409 if the ticket changed since. Optional for backwards compatibility (without it, "
    "or `version` in the body, the change applies to the ticket as it is now).",
)
CONFLICT = OpenApiResponse(
    StaleTicketSerializer, description="The ticket changed since the version the change named."
)


def etag(ticket: Ticket) -> str:
    return f'"{ticket.version}"'


def expected_version(request: Request, body_version: int | None) -> int | None:
    """The version a change is based on: `If-Match` (an ETag of ours) or the body's `version`."""
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return body_version
    tag = header.strip().removeprefix("W/").strip('"')
    if not tag.isdecimal() or len(tag) > 10:
        raise ValidationError({"If-Match": 'An ETag of this ticket, e.g. "7".'})
    if body_version is not None and body_version != int(tag):
        raise ValidationError({"version": "Differs from If-Match: send one or the same."})
    return int(tag)


def stale_response(stale: StaleTicket) -> Response:
    changes = [
        {
            "actor": e.actor.user.email if e.actor_id else None,
            "kind": e.kind,
            "field": e.field,
            "from_value": e.from_value,
            "to_value": e.to_value,
            "at": e.created_at,
        }
        for e in stale.events
    ]
    body = {"detail": stale.message, "reference": stale.reference, "expected": stale.expected,
            "version": stale.current, "changes": changes}  # fmt: skip
    return Response(
        StaleTicketSerializer(body).data,
        status=status.HTTP_409_CONFLICT,
        headers={"ETag": f'"{stale.current}"'},
    )


class TicketAPIView(IdempotentPostMixin, APIView):
    """Every POST honours an `Idempotency-Key` header (ops.idempotency); a change based on a
    stale version answers 409 (`StaleTicket`)."""

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, StaleTicket):
            return stale_response(exc)
        return super().handle_exception(exc)

    def ticket(self, reference: str) -> Ticket:
        return selectors.ticket_for_member_or_404(
            tenant=self.request.tenant, membership=self.request.membership, reference=reference
        )

    def detail(self, ticket: Ticket, *, code: int = status.HTTP_200_OK) -> Response:
        clocks = selectors.ticket_clocks(tenant=self.request.tenant, ticket=ticket)
        data = TicketDetailSerializer(ticket, context={"clocks": clocks}).data
        return Response(data, status=code, headers={"ETag": etag(ticket)})


def _page_size(request: Request) -> int:
    size = query_int(request.query_params.get("page_size", "50"), minimum=1, maximum=MAX_PAGE_SIZE)
    if size is None:
        raise ValidationError({"page_size": f"A number from 1 to {MAX_PAGE_SIZE}."})
    return size


LIST_PARAMETERS = [
    OpenApiParameter("cursor", str, description="From the previous page's `next`."),
    OpenApiParameter("page_size", int, description=f"1 to {MAX_PAGE_SIZE} (default 50)."),
    OpenApiParameter("ordering", str, enum=sorted(selectors.ORDERINGS)),
    OpenApiParameter("status", str, description="Comma-separated statuses."),
    OpenApiParameter("priority", str),
    OpenApiParameter("plan", str),
    OpenApiParameter("customer", int),
    OpenApiParameter("assignee", str, description="A membership id, `me` or `none`."),
    OpenApiParameter("tier", int),
    OpenApiParameter("category", str),
    OpenApiParameter("breached", bool),
    OpenApiParameter("q", str, description="Full-text search over subject and messages."),
    OpenApiParameter("view", str, enum=sorted(selectors.SAVED_VIEWS)),
]


class TicketListCreate(TicketAPIView):
    @extend_schema(
        operation_id="tickets_list",
        parameters=LIST_PARAMETERS,
        responses=inline_serializer(
            "TicketPage",
            {
                "next": serializers.CharField(allow_null=True),
                "results": TicketListSerializer(many=True),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        ordering_name = request.query_params.get("ordering", selectors.LIST_ORDERING.name)
        ordering = selectors.ORDERINGS.get(ordering_name)
        if ordering is None:
            raise ValidationError({"ordering": f"One of {', '.join(sorted(selectors.ORDERINGS))}."})
        filters, errors = filters_from_params(request.query_params)
        if errors:
            raise ValidationError(errors)
        try:
            page = selectors.ticket_list(
                tenant=request.tenant,
                membership=request.membership,
                filters=filters,
                ordering=ordering,
                cursor=request.query_params.get("cursor") or None,
                size=_page_size(request),
            )
        except InvalidCursor as error:
            raise ValidationError({"cursor": str(error)}) from error
        next_url = None
        if page.next_cursor:
            params = request.query_params.copy()
            params["cursor"] = page.next_cursor
            next_url = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
        results = TicketListSerializer(page.rows, many=True).data
        return Response({"next": next_url, "results": results})

    @extend_schema(request=TicketCreateSerializer, responses={201: TicketDetailSerializer})
    def post(self, request: Request) -> Response:
        membership = request.membership
        if not (membership.can(Perm.TICKET_CREATE) or membership.can(Perm.TICKET_LOG_ON_BEHALF)):
            raise NotFound()
        serializer = TicketCreateSerializer(
            data=request.data, context={"tenant": request.tenant, "membership": membership}
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        on_behalf = membership.is_staff_member
        if on_behalf and "requester" not in data:
            raise ValidationError({"requester": "Name the client this ticket is for."})
        ticket = services.ticket_create(
            tenant=request.tenant,
            requester=data["requester"] if on_behalf else membership,
            created_by=membership if on_behalf else None,
            subject=data["subject"],
            description=data["description"],
            priority=data["priority"],
            category=data.get("category"),
            channel=data.get("channel", Channel.API) if on_behalf else Channel.API,
        )
        return self.detail(self.ticket(ticket.reference), code=status.HTTP_201_CREATED)


class TicketDetail(TicketAPIView):
    @extend_schema(
        responses=OpenApiResponse(
            TicketDetailSerializer,
            description='The `ETag` header is the ticket\'s `version` (e.g. `"7"`): send it back '
            "as `If-Match` with a status, assignment or out-of-scope change to have a stale "
            "change refused with 409 instead of overwriting a colleague's.",
        )
    )
    def get(self, request: Request, reference: str) -> Response:
        return self.detail(self.ticket(reference))


class TicketMessages(TicketAPIView):
    @extend_schema(responses=MessageSerializer(many=True))
    def get(self, request: Request, reference: str) -> Response:
        ticket = self.ticket(reference)
        messages = selectors.messages_visible(ticket=ticket, membership=request.membership)
        context = {"reference": ticket.reference}
        return Response(MessageSerializer(messages, many=True, context=context).data)

    @extend_schema(request=MessageCreateSerializer, responses={201: MessageSerializer})
    def post(self, request: Request, reference: str) -> Response:
        ticket = self.ticket(reference)
        serializer = MessageCreateSerializer(
            data=request.data, context={"membership": request.membership}
        )
        serializer.is_valid(raise_exception=True)
        message = services.ticket_reply(
            tenant=request.tenant,
            ticket=ticket,
            author=request.membership,
            body=serializer.validated_data["body"],
            internal=serializer.validated_data["internal"],
            channel=Channel.API,
        )
        data = MessageSerializer(message, context={"reference": ticket.reference}).data
        return Response(data, status=status.HTTP_201_CREATED)


class TicketStatus(TicketAPIView):
    @extend_schema(
        request=StatusSerializer,
        parameters=[IF_MATCH],
        responses={200: TicketDetailSerializer, 409: CONFLICT},
    )
    def post(self, request: Request, reference: str) -> Response:
        ticket = self.ticket(reference)
        serializer = StatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.ticket_set_status(
            tenant=request.tenant,
            ticket=ticket,
            status=serializer.validated_data["status"],
            actor=request.membership,
            expected_version=expected_version(request, serializer.validated_data.get("version")),
        )
        return self.detail(self.ticket(reference))


class TicketAssign(TicketAPIView):
    permission_classes = [HasTenantPerm.for_(Perm.TICKET_WORK)]

    @extend_schema(
        request=AssignSerializer,
        parameters=[IF_MATCH],
        responses={200: TicketDetailSerializer, 409: CONFLICT},
    )
    def post(self, request: Request, reference: str) -> Response:
        ticket = self.ticket(reference)
        serializer = AssignSerializer(data=request.data, context={"tenant": request.tenant})
        serializer.is_valid(raise_exception=True)
        services.ticket_assign(
            tenant=request.tenant,
            ticket=ticket,
            assignee=serializer.validated_data["assignee"],
            actor=request.membership,
            expected_version=expected_version(request, serializer.validated_data.get("version")),
        )
        return self.detail(self.ticket(reference))


class TicketOutOfScope(TicketAPIView):
    """Close the ticket as out of scope, citing one of the tenant's exclusions (staff)."""

    permission_classes = [HasTenantPerm.for_(Perm.TICKET_WORK)]

    @extend_schema(
        request=OutOfScopeSerializer,
        parameters=[IF_MATCH],
        responses={200: TicketDetailSerializer, 409: CONFLICT},
    )
    def post(self, request: Request, reference: str) -> Response:
        ticket = self.ticket(reference)
        serializer = OutOfScopeSerializer(data=request.data, context={"tenant": request.tenant})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.ticket_close_out_of_scope(
            tenant=request.tenant,
            ticket=ticket,
            exclusion=data["exclusion"],
            note=data["note"],
            actor=request.membership,
            expected_version=expected_version(request, data.get("version")),
        )
        return self.detail(self.ticket(reference))


class TicketClocks(TicketAPIView):
    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, reference: str) -> Response:
        from sla.serializers import SlaClockSerializer

        ticket = self.ticket(reference)
        clocks = selectors.ticket_clocks(tenant=request.tenant, ticket=ticket)
        return Response(
            {"reference": ticket.reference, "clocks": SlaClockSerializer(clocks, many=True).data}
        )
