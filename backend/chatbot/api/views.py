from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from chatbot import services
from chatbot.api.serializers import ChatRequestSerializer, ChatResponseSerializer
from config.ratelimit import limit_key


class ChatView(APIView):
    """Public: any visitor may ask; the per-visitor rate limit guards the cost."""

    authentication_classes = []
    permission_classes = []

    @extend_schema(
        operation_id="chatbot_ask",
        summary="Ask the portfolio chatbot",
        description=(
            "Answers from the owner's projects and the papers, retrieved through the document "
            "processor's hybrid search, with numbered citation markers ([n]) matching `citations`. "
            "When nothing relevant is found the answer says so and cites nothing. Pass back "
            "`conversation_id` to ask follow-up questions; `paper_id` restricts the answer to one paper."
        ),
        request=ChatRequestSerializer,
        responses={
            200: ChatResponseSerializer,
            404: OpenApiResponse(description="paper_id names no stored paper (paper_not_found)."),
            422: OpenApiResponse(description="The body does not validate (message over 2,000 characters…)."),
            429: OpenApiResponse(description="Too many questions from this visitor (Retry-After)."),
            502: OpenApiResponse(description="The document processor answered an error."),
            503: OpenApiResponse(
                description="The document processor or the language model is down or too slow "
                "(upstream_timeout, service_unavailable or llm_unavailable)."
            ),
        },
        tags=["chatbot"],
    )
    def post(self, request: Request) -> Response:
        body = ChatRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        answer = services.ask(
            message=data["message"],
            conversation_id=data.get("conversation_id"),
            paper_id=data.get("paper_id"),
            visitor=limit_key(request._request),
        )
        return Response(ChatResponseSerializer(answer).data)
