from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from webhooks.services import receive_webhook


class WebhookAckSerializer(serializers.Serializer):  # type: ignore[type-arg]
    received = serializers.BooleanField()
    duplicate = serializers.BooleanField()
    id = serializers.CharField()
    type = serializers.CharField()


class WebhookView(APIView):
    """Receives Standard Webhooks from one sender; the signature is checked against the raw body."""

    sender: str = ""
    authentication_classes = []
    permission_classes = []
    parser_classes = []  # the body is read raw: verification must see the exact bytes

    @extend_schema(
        request={"application/json": dict},
        responses={
            200: WebhookAckSerializer,
            400: OpenApiResponse(description="Body is not JSON (error envelope)"),
            401: OpenApiResponse(
                description="Missing header, stale timestamp or bad signature (error envelope)"
            ),
            422: OpenApiResponse(description="Unsupported event type (error envelope)"),
        },
    )
    def post(self, request: Request) -> Response:
        receipt = receive_webhook(sender=self.sender, headers=request.headers, body=request.body)
        return Response(
            {
                "received": True,
                "duplicate": receipt.duplicate,
                "id": receipt.webhook_id,
                "type": receipt.event_type,
            }
        )
