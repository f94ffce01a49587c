"""The outbox view of core's admin against real outboxes: core's own and the document processor's
(a real API process on a free port, through its shared ``/outbox/messages`` routes), each holding a
message that died because its target was down. "Retry now" in the admin revives it and the shared
dispatcher delivers it to the target, now up; "Discard" removes a message; the scraper being down
is shown in its section, not as an error page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import LazySettings
from django.db import connection
from django.test import Client
from django.urls import reverse

from config.env import get_settings
from content.tests.test_delivery import database_url
from documents.models import Document
from documents.tests.processor import Processor, processor_processes
from portfolio_shared.auth import SignedTokenProvider, signing_key
from portfolio_shared.outbox import Dispatcher, enqueue
from portfolio_shared.schemas import DOCUMENT_PROCESSED, DocumentProcessed
from portfolio_shared.testing_sockets import closed_port

pytestmark = pytest.mark.django_db(transaction=True)

LIST = "admin:outbox_outboxmessage_changelist"
TEXT = {
    "document_key": "project:outbox-retry",
    "title": "Outbox retry",
    "text": "A message that waited for the document processor.",
    "format": "markdown",
    "metadata": {"kind": "project"},
}


def empty_core_outbox() -> None:
    with psycopg.connect(database_url(), autocommit=True) as conn:
        conn.execute("TRUNCATE outbox_attempt, outbox_message RESTART IDENTITY")


@pytest.fixture
def core_outbox() -> Iterator[None]:
    empty_core_outbox()
    yield
    empty_core_outbox()


def dispatcher(database: str, targets: dict[str, str], **options: Any) -> Dispatcher:
    """The shared dispatcher, giving up after one attempt (so a target that is down kills a message)."""
    return Dispatcher(database, targets=targets, timeout=5.0, max_attempts=1, **options)


def row(database: str, msg_id: str) -> tuple[Any, ...] | None:
    with psycopg.connect(database) as conn:
        return conn.execute(
            "SELECT dead, delivered_at IS NOT NULL, last_error FROM outbox_message WHERE msg_id = %s",
            (msg_id,),
        ).fetchone()


def section(html: str, sender: str) -> str:
    start = html.index(f'id="outbox-{sender}"')
    return html[start : html.index("</section>", start)]


def test_dead_messages_of_core_and_the_processor_are_retried_from_the_admin_and_delivered(
    client: Client,
    owner: Any,
    core_outbox: None,
    live_server: Any,
    settings: LazySettings,
    tmp_path: Path,
) -> None:
    settings.SCRAPER_URL = f"http://127.0.0.1:{closed_port()}"  # the scraper is down throughout
    documents_port = closed_port()
    core_key = signing_key(get_settings())
    assert core_key is not None
    # Core's message to the document processor, which is down: the one attempt fails, the message dies.
    with connection.cursor() as cur:
        core_msg = enqueue(cur, destination="documents", path="/process/text", kind="rest", payload=TEXT)
    with dispatcher(
        database_url(),
        {"documents": f"http://127.0.0.1:{documents_port}"},
        token_provider=SignedTokenProvider("core", core_key),
    ) as d:
        d.run_once()
    dead, delivered, error = row(database_url(), core_msg) or ()
    assert dead and not delivered and error

    with processor_processes(tmp_path, live_server.url, port=documents_port) as processor:
        settings.DOCUMENTS_URL = processor.url
        documents_msgs = announce_while_core_is_down(processor, settings)

        html = client.get(reverse(LIST)).content.decode()
        core_html, documents_html = section(html, "core"), section(html, "documents")
        assert f'data-msg="{core_msg}" data-state="dead"' in core_html
        assert "0 pending, 0 failing, 1 dead" in core_html
        assert all(f'data-msg="{m}" data-state="dead"' in documents_html for m in documents_msgs)
        assert "Connection refused" in documents_html or "connect" in documents_html.lower()
        assert "The Scraper is unavailable" in section(html, "scraper")
        dead_only = client.get(reverse(LIST), {"state": "dead"}).content.decode()
        assert core_msg in dead_only and "Nothing pending" not in dead_only

        # Retry now: core's own message, then the processor's, each delivered by its dispatcher.
        retry = reverse("admin:outbox_outboxmessage_retry", args=["core", core_msg])
        assert client.post(retry).status_code == 302
        with dispatcher(
            database_url(), {"documents": processor.url}, token_provider=SignedTokenProvider("core", core_key)
        ) as d:
            assert d.run_once() == 1
        assert row(database_url(), core_msg)[1:] == (True, None)  # type: ignore[index]
        with psycopg.connect(processor.database_url) as conn:
            keys = conn.execute("SELECT source->>'document_key' FROM processing_job").fetchall()
        assert keys == [("project:outbox-retry",)]

        announced, discarded = documents_msgs
        response = client.post(reverse("admin:outbox_outboxmessage_retry", args=["documents", announced]))
        assert response.status_code == 302 and response["Location"].endswith("#outbox-documents")
        with dispatcher(
            processor.database_url,
            {"core": live_server.url},
            webhook_secrets={"core": settings.WEBHOOK_SECRETS["documents"]},
        ) as d:
            assert d.run_once() == 1
        assert row(processor.database_url, announced)[1] is True  # type: ignore[index]
        assert Document.objects.get(document_key="project:announced").chunks == 2

        # Discard: gone from the processor's outbox and from the page.
        assert (
            client.post(
                reverse("admin:outbox_outboxmessage_discard", args=["documents", discarded])
            ).status_code
            == 302
        )
        assert row(processor.database_url, discarded) is None
        page = client.get(reverse(LIST))
        html = page.content.decode()
        assert "was discarded" in html
        assert not any(f'data-msg="{m}"' in html for m in (discarded, announced, core_msg))
        assert html.count("Nothing undelivered.") == 2  # core's and the processor's
        # Again: a clear refusal, shown as a message.
        client.post(reverse("admin:outbox_outboxmessage_discard", args=["documents", discarded]))
        assert "outbox_message_not_found" in client.get(reverse(LIST)).content.decode()


def announce_while_core_is_down(processor: Processor, settings: LazySettings) -> list[str]:
    """Two ``document.processed`` webhooks in the processor's outbox, killed by core being down."""
    ids = []
    with psycopg.connect(processor.database_url) as conn, conn.cursor() as cur:
        for n, key in enumerate(("project:announced", "project:unwanted")):
            data = DocumentProcessed(
                job_id=f"job-{n}",
                document_id=f"doc-{n}",
                document_key=key,
                state="succeeded",
                source_type="text",
                title=key,
                pages=1,
                chunks=2,
                characters=100,
            )
            ids.append(
                enqueue(
                    cur,
                    destination="core",
                    path="/api/webhooks/document-processed/",
                    event_type=DOCUMENT_PROCESSED,
                    payload=data.model_dump(mode="json"),
                )
            )
    with dispatcher(
        processor.database_url,
        {"core": f"http://127.0.0.1:{closed_port()}"},
        webhook_secrets={"core": settings.WEBHOOK_SECRETS["documents"]},
    ) as d:
        d.run_once()
    return ids


def test_only_post_steers_and_an_unknown_outbox_is_404(client: Client, owner: Any, core_outbox: None) -> None:
    assert client.get(reverse("admin:outbox_outboxmessage_retry", args=["core", "msg_x"])).status_code == 405
    assert (
        client.post(reverse("admin:outbox_outboxmessage_retry", args=["elsewhere", "msg_x"])).status_code
        == 404
    )
    response = client.post(reverse("admin:outbox_outboxmessage_retry", args=["core", "msg_x"]), follow=True)
    assert "outbox_message_not_found" in response.content.decode()


def test_a_viewer_without_the_steer_permission_sees_no_buttons_and_cannot_post(
    client: Client, django_user_model: Any, core_outbox: None
) -> None:
    from django.contrib.auth.models import Permission

    viewer = django_user_model.objects.create_user("viewer", "v@example.org", "pw", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_outboxmessage"))
    client.force_login(viewer)
    with connection.cursor() as cur:
        msg = enqueue(cur, destination="documents", path="/process/text", kind="rest", payload=TEXT)
    html = client.get(reverse(LIST)).content.decode()
    assert msg in html and "Retry now" not in html
    assert client.post(reverse("admin:outbox_outboxmessage_discard", args=["core", msg])).status_code == 403


@pytest.mark.parametrize("action", ["retry", "discard"])
def test_a_message_id_core_s_database_cannot_hold_is_a_not_found_message(
    client: Client, owner: Any, core_outbox: None, action: str
) -> None:
    # A NUL byte (%00 in the URL) never names a message; Postgres text refuses it, never a 500.
    url = reverse(f"admin:outbox_outboxmessage_{action}", args=["core", "msg_x"]).replace("msg_x", "msg%00x")
    response = client.post(url, follow=True)
    assert response.status_code == 200
    assert "outbox_message_not_found" in response.content.decode()
