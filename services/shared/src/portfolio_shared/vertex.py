"""The google-genai client for Vertex AI (``vertexai=True``), shared by embeddings, summaries and chat.

Needs ``google-genai`` (the ``vertex`` or ``embeddings`` extra); imports nothing heavier, so a service
that only chats (core) does not pull in numpy or onnxruntime.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from portfolio_shared.log import REQUEST_ID_HEADER, get_request_id

if TYPE_CHECKING:
    import google.auth.credentials
    from google import genai
    from google.genai import types


def genai_client(
    *,
    project: str,
    location: str,
    base_url: str | None = None,
    credentials: google.auth.credentials.Credentials | None = None,
    timeout_s: float = 60.0,
    retry_attempts: int = 3,
    retry_initial_delay: float = 1.0,
) -> genai.Client:
    """A google-genai client for Vertex AI in ``project``/``location``.

    ``base_url`` replaces Google's regional endpoint (a proxy, or a local fake server in tests);
    the request path stays the real one. Retries 408/429/5xx with exponential backoff and jitter.
    """
    from google import genai
    from google.genai import types

    retry = types.HttpRetryOptions(
        attempts=max(1, retry_attempts),
        initial_delay=retry_initial_delay,
        max_delay=max(retry_initial_delay, 10.0),
        jitter=retry_initial_delay,
        http_status_codes=[408, 429, 500, 502, 503, 504],
    )
    http_options = types.HttpOptions(
        base_url=base_url, timeout=int(timeout_s * 1000), retry_options=retry
    )  # the SDK's timeout is in milliseconds
    return genai.Client(
        vertexai=True, project=project, location=location, credentials=credentials, http_options=http_options
    )


def request_http_options() -> types.HttpOptions | None:
    """Per-call options carrying the current request id, so Vertex calls show up in our traces."""
    from google.genai import types

    request_id = get_request_id()
    return types.HttpOptions(headers={REQUEST_ID_HEADER: request_id}) if request_id else None
