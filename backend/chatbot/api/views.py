from __future__ import annotations

from typing import Any

from django.http import StreamingHttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from chatbot import services, suggestions
from chatbot.api import streaming
from chatbot.api.serializers import (
    ChatRequestSerializer,
    ChatResponseSerializer,
    ChatStreamEventSerializer,
    SuggestionsSerializer,
)
from core_lib.ratelimit import limit_key

ERRORS = {
    404: OpenApiResponse(description="paper_id names no stored paper (paper_not_found)."),
    422: OpenApiResponse(description="The body does not validate (message over 2,000 characters…)."),
    429: OpenApiResponse(description="Too many questions from this visitor (Retry-After)."),
    502: OpenApiResponse(description="The document processor answered an error."),
    503: OpenApiResponse(
        description="The document processor or the language model is down or too slow "
        "(upstream_timeout, service_unavailable or llm_unavailable)."
    ),
}


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
        responses={200: ChatResponseSerializer, **ERRORS},
        tags=["chatbot"],
    )
    def post(self, request: Request) -> Response:
        data = _validated(request)
        answer = services.ask(
            message=data["message"],
            conversation_id=data.get("conversation_id"),
            paper_id=data.get("paper_id"),
            visitor=limit_key(request._request),
        )
        return Response(ChatResponseSerializer(answer).data)


def _validated(request: Request) -> dict[str, Any]:
    body = ChatRequestSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    return dict(body.validated_data)


class ChatStreamView(APIView):
    """The same question as ``POST /api/chatbot/``, answered as server-sent events."""

    authentication_classes = []
    permission_classes = []

    def perform_content_negotiation(self, request: Request, force: bool = False) -> tuple[Any, str]:
        # The answer is the event stream itself; an error before it opens is the JSON envelope,
        # whatever the Accept header (EventSource-style clients send text/event-stream).
        return JSONRenderer(), JSONRenderer.media_type

    @extend_schema(
        operation_id="chatbot_stream",
        summary="Ask the portfolio chatbot, answered as a stream",
        description=(
            "Takes the body of `POST /api/chatbot/` and answers `text/event-stream`. Events, each "
            "`event: <name>` with one `data:` line of JSON: `sentence` ({text}: one cited sentence, "
            "extractive mode) or `token` ({text}: the model's next piece, generative mode), then "
            "`done` (the whole `ChatResponse`: the final answer with its markers renumbered, "
            "`citations`, `mode`, `conversation_id`, `follow_ups`), or `error` ({error, status}: the "
            "error envelope, e.g. 503 when the document processor or the model fails mid-stream). "
            "Before the stream opens, a body that does not validate answers 422 and a visitor over "
            "the rate limit 429 (Retry-After), as JSON envelopes; an unknown `paper_id` is an "
            "`error` event with status 404."
        ),
        request=ChatRequestSerializer,
        responses={
            (200, streaming.MEDIA_TYPE): OpenApiResponse(
                response=ChatStreamEventSerializer,
                description="Each event: its name and its data (JSON, as described above).",
            ),
            422: ERRORS[422],
            429: ERRORS[429],
        },
        tags=["chatbot"],
    )
    def post(self, request: Request) -> StreamingHttpResponse:
        data = _validated(request)
        services.check_rate(limit_key(request._request))
        return streaming.response(
            services.stream(
                message=data["message"],
                conversation_id=data.get("conversation_id"),
                paper_id=data.get("paper_id"),
            )
        )


class SuggestionsView(APIView):
    """Public: the starter questions the chat page offers."""

    authentication_classes = []
    permission_classes = []

    @extend_schema(
        operation_id="chatbot_suggestions",
        summary="Starter questions for the chat page",
        description=(
            "Questions built from the owner's content: one per featured project, the latest journey "
            "entry, and the most relevant paper of the week (each only when it exists). Cached for "
            f"{suggestions.CACHE_SECONDS} s."
        ),
        responses={200: SuggestionsSerializer},
        tags=["chatbot"],
    )
    def get(self, request: Request) -> Response:
        response = Response(SuggestionsSerializer({"starters": suggestions.starters()}).data)
        response["Cache-Control"] = f"public, max-age={suggestions.CACHE_SECONDS}"
        return response
