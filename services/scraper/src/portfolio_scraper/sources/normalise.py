"""Small normalisers the sources share: text, ids, URLs, timestamps, counts.

Upstream strings lose their control characters (NUL included) and lone surrogates here, before
they reach the scraper's database or a message to core (Postgres refuses both).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

from portfolio_shared.schemas.papers import parse_arxiv_id
from portfolio_shared.text import has_control_characters, strip_control_characters

_GITHUB_PATH = re.compile(r"/([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))/([A-Za-z0-9._-]{1,100}?)(?:\.git)?/?")


def clean_text(value: object) -> str | None:
    """Without control characters, every run of whitespace (line breaks included) one space; ``None``
    if nothing is left."""
    if not isinstance(value, str):
        return None
    text = " ".join(strip_control_characters(value).split())
    return text or None


def split_arxiv_id(value: object) -> tuple[str, int | None] | None:
    """``2401.12345v2`` / ``hep-th/9901001v1`` / ``arXiv:…`` → (version-less id, version), else ``None``."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return parse_arxiv_id(value)
    except ValueError:
        return None


def http_url(value: object) -> str | None:
    """``value`` when it is an absolute http(s) URL (no control characters), else ``None``."""
    if not isinstance(value, str) or has_control_characters(value):
        return None
    value = value.strip()
    parts = urlsplit(value)
    return value if parts.scheme in {"http", "https"} and parts.netloc else None


def github_repo(value: object) -> str | None:
    """``owner/name`` from a GitHub repository URL (or an ``owner/name`` string); ``None`` otherwise."""
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    if "://" not in value:
        value = "https://github.com/" + value.lstrip("/")
    parts = urlsplit(value)
    if parts.hostname not in {"github.com", "www.github.com"}:
        return None
    match = _GITHUB_PATH.fullmatch(parts.path)
    return f"{match[1]}/{match[2]}" if match else None


def parse_timestamp(value: object) -> datetime | None:
    """An aware UTC datetime from an ISO 8601 timestamp or a bare date; ``None`` when absent or invalid."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(text[:10]), datetime.min.time())
        except ValueError:
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def count(value: object) -> int | None:
    """A non-negative integer count, or ``None`` (booleans and negatives are not counts)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value
