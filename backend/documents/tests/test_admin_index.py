"""The documents admin against the real document processor (API, Celery worker, Chroma, offline
embedder; processes on free ports, see ``processor.py``): "Ask the index" shows the chunks, scores
and pages the chatbot's own retrieval receives; "Reprocess" processes a stored document again even
though it is unchanged; "Delete from the index" removes it from Chroma and the keyword index, so
``/search`` no longer finds it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import LazySettings
from django.test import Client
from django.urls import reverse

from content.models import IndexRecord
from core_lib.upstreams import call
from documents import processor as processor_calls
from documents.models import Document, ProcessingJob
from documents.tests.processor import Processor, processor_processes
from portfolio_shared.clients import DocumentsClient
from portfolio_shared.contracts import PROCESS_TEXT
from portfolio_shared.outbox import Dispatcher
from portfolio_shared.schemas import JobAccepted, TextForIndexing

pytestmark = pytest.mark.django_db(transaction=True)

KEY = "project:glacier-telemetry"
TEXT = """# Glacier telemetry

Solar-powered sensors on the glacier report meltwater flow every ten minutes over a LoRa mesh.

## Storage

Readings land in a time-series store that keeps a decade of data on a single small server.
"""
QUESTION = "How do the glacier sensors report meltwater flow?"


@pytest.fixture
def processor(live_server: Any, settings: LazySettings, tmp_path: Path) -> Iterator[Processor]:
    with processor_processes(tmp_path, live_server.url, worker=True) as p:
        settings.DOCUMENTS_URL = p.url
        yield p


def wait_for_job(job_id: str, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while (job := processor_calls.job_status(job_id)).state not in ("succeeded", "failed", "partial"):
        assert time.monotonic() < deadline, job
        time.sleep(0.3)
    assert job.state == "succeeded", job
    return job.model_dump()


def announce(p: Processor, live_server: Any, settings: LazySettings) -> None:
    """The processor's outbox delivers its ``document.processed`` webhooks to this core."""
    with Dispatcher(
        p.database_url,
        targets={"core": live_server.url},
        webhook_secrets={"core": settings.WEBHOOK_SECRETS["documents"]},
        timeout=10.0,
    ) as d:
        d.run_once()


def search_keys(query: str) -> list[str]:
    hits = call(DocumentsClient, lambda c: c.search(query, k=5), deadline=30)
    return [h.document_key for h in hits]


def test_ask_reprocess_and_delete_a_document_from_the_admin(
    client: Client, owner: Any, processor: Processor, live_server: Any, settings: LazySettings
) -> None:
    item = TextForIndexing(document_key=KEY, title="Glacier telemetry", text=TEXT, format="markdown")
    response = call(DocumentsClient, lambda c: c.send(PROCESS_TEXT.bind(item)), deadline=30)
    accepted = JobAccepted.model_validate_json(response.content)
    wait_for_job(accepted.job_id)
    IndexRecord.objects.create(document_key=KEY, owner="content.project:1", sha256="0" * 64)
    announce(processor, live_server, settings)
    document = Document.objects.get(document_key=KEY)
    assert document.chunks >= 1

    # Ask the index: the chatbot's retrieval, its passages with their scores.
    ask = reverse("admin:documents_document_ask")
    assert 'id="ask-the-index"' in client.get(reverse("admin:documents_document_changelist")).content.decode()
    html = client.get(ask, {"question": QUESTION}).content.decode()
    assert 'id="ask-passages"' in html, html
    assert f'<tr class="passage" data-document-key="{KEY}">' in html
    assert "meltwater flow every ten minutes" in html
    # Bad input: a form error, no search.
    too_long = client.get(ask, {"question": "x" * 2001}).content.decode()
    assert "errorlist" in too_long and "ask-result" not in too_long
    unknown_paper = client.get(ask, {"question": QUESTION, "paper_id": "0000.00000"}).content.decode()
    assert "paper_not_found" in unknown_paper

    # Reprocess: a new job in the processor that processes the unchanged text again.
    change = reverse("admin:documents_document_change", args=[document.pk])
    page = client.get(change).content.decode()
    assert 'id="reprocess-document"' in page and 'id="delete-from-index"' in page
    response = client.post(reverse("admin:documents_document_reprocess", args=[document.pk]))
    assert response.status_code == 302
    job = ProcessingJob.objects.get(document_key=KEY, requested_by=owner)
    assert response["Location"] == reverse("admin:documents_processingjob_change", args=[job.pk])
    assert job.job_id != accepted.job_id
    wait_for_job(job.job_id)
    with psycopg.connect(processor.database_url) as conn:
        (result,) = conn.execute("SELECT result FROM processing_job WHERE id = %s", (job.job_id,)).fetchone()
    assert result["chunks"] >= 1 and "unchanged" not in result, result

    # Delete from the index: gone from the mirror, from /search and from the chatbot's retrieval.
    assert KEY in search_keys("glacier meltwater sensors")
    response = client.post(reverse("admin:documents_document_delete_from_index", args=[document.pk]))
    assert response.status_code == 302
    assert not Document.objects.filter(document_key=KEY).exists()
    assert not IndexRecord.objects.filter(document_key=KEY).exists()  # saved again, it is sent again
    assert KEY not in search_keys("glacier meltwater sensors")
    html = client.get(ask, {"question": QUESTION}).content.decode()
    assert f'data-document-key="{KEY}"' not in html


def test_the_processor_down_is_a_message_and_get_does_not_act(
    client: Client, owner: Any, settings: LazySettings
) -> None:
    from portfolio_shared.testing_sockets import closed_port

    settings.DOCUMENTS_URL = f"http://127.0.0.1:{closed_port()}"
    document = Document.objects.create(document_key="project:x", source_type="text", state="succeeded")
    html = client.get(reverse("admin:documents_document_ask"), {"question": "anything"}).content.decode()
    assert 'id="ask-unavailable"' in html
    delete = reverse("admin:documents_document_delete_from_index", args=[document.pk])
    assert client.get(delete).status_code == 405
    response = client.post(delete, follow=True)
    assert "document processor is unavailable" in response.content.decode()
    assert Document.objects.filter(pk=document.pk).exists()  # kept: its chunks were not deleted
    reprocess = reverse("admin:documents_document_reprocess", args=[document.pk])
    response = client.post(reprocess, follow=True)
    assert "document processor is unavailable" in response.content.decode()


def test_a_viewer_may_ask_but_neither_reprocess_nor_delete(client: Client, django_user_model: Any) -> None:
    from django.contrib.auth.models import Permission

    viewer = django_user_model.objects.create_user("viewer", "v@example.org", "pw", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_document"))
    client.force_login(viewer)
    document = Document.objects.create(document_key="project:y", source_type="text", state="succeeded")
    page = client.get(reverse("admin:documents_document_change", args=[document.pk])).content.decode()
    assert "reprocess-document" not in page and "delete-from-index" not in page
    for name in ("reprocess", "delete_from_index"):
        assert client.post(reverse(f"admin:documents_document_{name}", args=[document.pk])).status_code == 403
