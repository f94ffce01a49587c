"""``POST /api/chatbot/stream/`` (server-sent events) and ``GET /api/chatbot/suggestions/``."""

from __future__ import annotations

import json
import logging
from datetime import date
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import AsyncClient
from rest_framework.test import APIClient

from chatbot import suggestions
from chatbot.services import sentences
from chatbot.tests.conftest import ANALYTICS_PROJECT, RAG_PROJECT
from content.models import JourneyEntry, Profile, Project
from core_lib.testing import StandIn, closed_port_url
from portfolio_shared.log import request_id_var

pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume")]
URL = "/api/chatbot/stream/"


def events(response: Any) -> list[tuple[str, dict[str, Any]]]:
    """The response's server-sent events, parsed as a browser would."""
    assert response["Content-Type"] == "text/event-stream"
    parsed = []
    for block in b"".join(response).decode().split("\n\n"):
        if not block.strip():
            continue
        fields = dict(line.split(": ", 1) for line in block.split("\n"))
        parsed.append((fields["event"], json.loads(fields["data"])))
    return parsed


def stream(api: APIClient, visitor: dict[str, str], **body: Any) -> Any:
    return api.post(URL, body, format="json", HTTP_ACCEPT="text/event-stream", **visitor)


def test_sentences_split_after_each_marker_group() -> None:
    assert sentences("It uses Chroma. [1] It fuses ranks. [1][2] Unmarked tail.") == [
        "It uses Chroma. [1]",
        "It fuses ranks. [1][2]",
        "Unmarked tail.",
    ]
    assert sentences("I could not find anything.") == ["I could not find anything."]


def test_the_stream_sends_the_json_answer_sentence_by_sentence_then_done(
    api: APIClient, documents: StandIn, visitor: dict[str, str]
) -> None:
    question = {"message": "Which vector store and ranking fusion does the RAG pipeline use?"}
    answer = api.post("/api/chatbot/", question, format="json", **visitor).json()

    got = events(stream(api, visitor, **question))

    names = [name for name, _ in got]
    assert names[-1] == "done" and set(names[:-1]) == {"sentence"}
    pieces = [data["text"] for name, data in got if name == "sentence"]
    assert pieces and pieces == sentences(answer["answer"]), pieces
    done = got[-1][1]
    assert done["citations"] == answer["citations"]
    assert done["mode"] == "extractive" and done["conversation_id"]
    assert done["follow_ups"] == answer["follow_ups"]


def test_the_conversation_carries_over_between_streams(
    api: APIClient, documents: StandIn, visitor: dict[str, str]
) -> None:
    first = events(stream(api, visitor, message="Tell me about the analytics dashboard"))[-1][1]
    sent = len(documents.requests)

    second = events(
        stream(api, visitor, message="And what did it use?", conversation_id=first["conversation_id"])
    )

    queries = [request.json()["query"] for request in documents.requests[sent:]]
    assert queries and all("analytics" in query for query in queries)
    assert second[-1][1]["conversation_id"] == first["conversation_id"]
    assert second[-1][1]["citations"][0]["title"] == ANALYTICS_PROJECT.title


def test_the_processor_down_is_an_error_event_with_the_503_envelope(
    api: APIClient, settings: Any, visitor: dict[str, str]
) -> None:
    settings.DOCUMENTS_URL = closed_port_url()
    settings.CHATBOT_PROVIDER = "extractive"

    response = stream(api, visitor, message="Which vector store?")

    assert response.status_code == 200  # the stream opened before retrieval failed
    [(name, data)] = events(response)
    assert name == "error"
    assert data["status"] == 503 and data["error"]["code"] == "upstream_unreachable"


def test_an_unknown_paper_is_an_error_event_404(
    api: APIClient, documents: StandIn, visitor: dict[str, str]
) -> None:
    [(name, data)] = events(stream(api, visitor, message="What is it about?", paper_id="9999.99999"))

    assert (name, data["status"], data["error"]["code"]) == ("error", 404, "paper_not_found")


def test_a_bad_body_is_422_and_too_many_questions_429_before_any_stream(
    api: APIClient, documents: StandIn, settings: Any, visitor: dict[str, str]
) -> None:
    bad = stream(api, visitor, message="x" * 2001)
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "validation_error"

    settings.CHATBOT_RATE_LIMIT = 1
    assert stream(api, visitor, message="Which vector store?").status_code == 200
    limited = stream(api, visitor, message="Which vector store?")
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate_limited" and limited["Retry-After"]


def _content() -> tuple[Project, Project]:
    Profile.objects.create(name="Vasu Example")
    rag = Project.objects.create(
        slug="rag-pipeline", title="RAG Pipeline — grounded answers", featured=True, order=1
    )
    analytics = Project.objects.create(slug="analytics", title="Realtime Analytics", featured=True, order=2)
    Project.objects.create(slug="hidden-gem", title="Not featured")
    JourneyEntry.objects.create(
        kind="work", title="Engineer", organisation="Quillpath", start=date(2019, 7, 1)
    )
    JourneyEntry.objects.create(kind="education", title="M.Tech", organisation="NIT", start=date(2021, 8, 1))
    return rag, analytics


def test_starters_name_the_featured_projects_and_the_latest_journey_entry(api: APIClient) -> None:
    _content()
    cache.delete(suggestions.CACHE_KEY)

    response = api.get("/api/chatbot/suggestions/")

    assert response.status_code == 200
    assert response.json()["starters"] == [
        {"question": "What is RAG Pipeline?", "kind": "project"},
        {"question": "What is Realtime Analytics?", "kind": "project"},
        {"question": "What did Vasu study at NIT?", "kind": "journey"},
    ]
    assert "max-age" in response["Cache-Control"]


def test_follow_ups_come_from_the_cited_project_and_never_repeat_the_question(
    api: APIClient, documents: StandIn, visitor: dict[str, str]
) -> None:
    _content()
    cache.delete(suggestions.CACHE_KEY)

    done = events(stream(api, visitor, message="Which RAG pipeline uses Chroma?"))[-1][1]

    assert done["citations"][0]["url"] == RAG_PROJECT.source_url
    assert done["follow_ups"] == ["What technologies are in RAG Pipeline?", "What is RAG Pipeline?"]
    again = suggestions.follow_ups(question="What is RAG Pipeline?", citations=done["citations"])
    assert again == ["What technologies are in RAG Pipeline?", "What is Realtime Analytics?"]


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_under_asgi_each_event_is_sent_as_it_comes(documents: StandIn, visitor: dict[str, str]) -> None:
    # Django's ASGI handler, as the uvicorn workers run it: the body is an async iterator, one
    # chunk per event, so nothing buffers the answer and the worker's loop stays free between them.
    client = AsyncClient()
    response = await client.post(
        URL,
        {"message": "Which vector store and ranking fusion does the RAG pipeline use?"},
        content_type="application/json",
        **visitor,
    )

    assert response.status_code == 200 and response.is_async
    chunks = [chunk async for chunk in response.streaming_content]
    names = [chunk.decode().split("\n")[0] for chunk in chunks]
    assert names[-1] == "event: done" and len(names) >= 2, names


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_core_s_asgi_application_streams_the_answer(
    documents: StandIn, visitor: dict[str, str]
) -> None:
    # config.asgi as the workers serve it: the sync middleware chain in one thread hop
    # (config.handler), the streamed body still sent event by event by the loop.
    from config.asgi import application
    from config.tests.test_asgi_handler import call

    question = "Which vector store and ranking fusion does the RAG pipeline use?"
    body = json.dumps({"message": question}).encode()
    status, headers, streamed = await call(
        application,
        URL,
        method="POST",
        body=body,
        headers=(
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"accept", b"text/event-stream"),
        ),
        client=visitor["REMOTE_ADDR"],
    )

    assert status == 200, streamed
    assert headers[b"Content-Type"].startswith(b"text/event-stream")
    names = [block.split("\n")[0] for block in streamed.decode().split("\n\n") if block]
    assert names[-1] == "event: done" and len(names) >= 2, names


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_stream_runs_under_the_requests_id(documents: StandIn, visitor: dict[str, str]) -> None:
    # The body runs after RequestIdMiddleware has reset the id: its logs and calls must carry it.
    seen: list[tuple[str, str | None]] = []
    connected: list[bool] = []

    class Record(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append((record.name, request_id_var.get()))
            connected.append(connection.connection is not None)

    handler = Record(level=logging.DEBUG)
    logger = logging.getLogger("chatbot.services")
    logger.addHandler(handler)
    level, logger.level = logger.level, logging.DEBUG
    try:
        response = await AsyncClient().post(
            URL,
            {"message": "Which vector store does the RAG pipeline use?"},
            content_type="application/json",
            headers={"X-Request-ID": "stream-request-1"},
            **visitor,
        )
        chunks = [chunk async for chunk in response.streaming_content]
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)

    assert chunks[-1].startswith(b"event: done")
    assert response["X-Request-ID"] == "stream-request-1"
    assert seen and all(request_id == "stream-request-1" for _, request_id in seen), seen
    assert [r.headers.get("x-request-id") for r in documents.requests] == ["stream-request-1"]
    # Logged once retrieval is done, before the provider: no Postgres connection held meanwhile.
    assert connected == [False]
