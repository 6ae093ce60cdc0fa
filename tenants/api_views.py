"""API sign-in: trade an email and password for a token, on the tenant's host; and the signed-in
person's own tokens (list, revoke)."""

from __future__ import annotations

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import services
from .middleware import membership_for
from .models import ApiToken


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, write_only=True)
    name = serializers.CharField(
        max_length=100,
        required=False,
        default="",
        allow_blank=True,
        help_text="A label to tell your tokens apart (e.g. the script that uses it).",
    )


class ApiTokenSerializer(serializers.ModelSerializer):
    is_live = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "expires_at", "is_live"]

    def get_is_live(self, token: ApiToken) -> bool:
        return token.is_live()


class ObtainTokenView(APIView):
    """`POST {"email", "password"[, "name"]}` → `{"token", "expires_at"}`; only members of this
    host's tenant get one. Each call makes a new token; the key is shown only in this answer."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: inline_serializer(
                "TokenResponse",
                {"token": serializers.CharField(), "expires_at": serializers.DateTimeField()},
            )
        },
    )
    def post(self, request: Request) -> Response:
        if getattr(request, "tenant", None) is None:
            return Response({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            username=serializer.validated_data["email"].lower(),
            password=serializer.validated_data["password"],
        )
        if user is None or membership_for(tenant=request.tenant, user=user) is None:
            return Response(
                {"non_field_errors": ["Unable to sign in with these credentials."]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        token, key = services.api_token_create(
            tenant=request.tenant, user=user, name=serializer.validated_data["name"]
        )
        return Response({"token": key, "expires_at": token.expires_at})


class MyTokens(APIView):
    """The signed-in person's tokens on this tenant (never their keys)."""

    @extend_schema(responses=ApiTokenSerializer(many=True), summary="Your API tokens")
    def get(self, request: Request) -> Response:
        tokens = services.api_tokens_of(tenant=request.tenant, user=request.user)
        return Response(ApiTokenSerializer(tokens, many=True).data)

    @extend_schema(
        request=None,
        responses={
            200: inline_serializer("TokensRevoked", {"revoked": serializers.IntegerField()})
        },
        summary="Revoke all your API tokens on this tenant (the one in use included)",
        operation_id="tokens_revoke_all",
    )
    def delete(self, request: Request) -> Response:
        revoked = services.api_tokens_revoke_all(tenant=request.tenant, user=request.user)
        return Response({"revoked": revoked})


class MyToken(APIView):
    @extend_schema(
        request=None,
        responses={204: None},
        summary="Revoke one of your API tokens",
        operation_id="token_revoke",
    )
    def delete(self, request: Request, token_id: int) -> Response:
        services.api_token_revoke(tenant=request.tenant, user=request.user, token_id=token_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
