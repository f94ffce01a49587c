"""Fetching what a job names: a PDF by URL, a GitHub repository's README and ``docs/`` Markdown.

Everything goes through :func:`~.safe_http.safe_get` (public addresses and allowed ports only,
pinned connections, bounded size and time). GitHub is read through its REST API at a configurable base URL
(``GITHUB_API_URL``): ``GET /repos/{owner}/{name}/readme`` and ``/contents/...``, whose JSON
carries the file base64-encoded; files too large for that (``encoding: "none"``) are asked for
again as ``application/vnd.github.raw+json``.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import ssl
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from portfolio_documents.processing.net.guard import Connector, Resolver
from portfolio_documents.processing.net.safe_http import (
    DEFAULT_ALLOWED_PORTS,
    DEFAULT_MAX_REDIRECTS,
    FetchError,
    FetchRefused,
    FetchTimeout,
    HttpResult,
    UpstreamRateLimited,
    fetch_error,
    safe_get,
)
from portfolio_shared.retry import parse_retry_after

__all__ = [
    "FetchError",
    "FetchRefused",
    "FetchTimeout",
    "GithubContent",
    "GithubFile",
    "UpstreamRateLimited",
    "fetch_github",
    "fetch_pdf",
    "parse_repo",
]

GITHUB_HOSTS = frozenset({"github.com", "www.github.com"})
GITHUB_JSON = "application/vnd.github+json"
GITHUB_RAW = "application/vnd.github.raw+json"
GITHUB_API_VERSION = "2022-11-28"
DOCS_DIRECTORY = "docs"
MARKDOWN_SUFFIXES = (".md", ".markdown")
_OWNER = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})")
_NAME = re.compile(r"[A-Za-z0-9._-]{1,100}")


@dataclass(frozen=True)
class GithubFile:
    path: str
    text: str
    html_url: str


@dataclass(frozen=True)
class GithubContent:
    owner: str
    name: str
    readme: GithubFile
    docs: list[GithubFile] = field(default_factory=list)


def fetch_pdf(
    url: str,
    *,
    max_bytes: int,
    allow_private: bool,
    allowed_ports: Collection[int] | None = DEFAULT_ALLOWED_PORTS,
    timeout: float = 20,
    max_redirects: int = DEFAULT_MAX_REDIRECTS,
    resolver: Resolver | None = None,
    connector: Connector | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> bytes:
    """The PDF at ``url`` (checked for ``%PDF-``), at most ``max_bytes``; :class:`FetchError` otherwise."""
    result = safe_get(
        url,
        max_bytes=max_bytes,
        allow_private=allow_private,
        allowed_ports=allowed_ports,
        timeout=timeout,
        max_redirects=max_redirects,
        headers={"Accept": "application/pdf, */*;q=0.5"},
        magic=b"%PDF-",
        resolver=resolver,
        connector=connector,
        ssl_context=ssl_context,
    )
    if result.status in (404, 410):
        raise fetch_error("not_found", "The PDF URL answers 404 Not Found.", status=result.status)
    if result.status != 200:
        raise fetch_error("fetch_failed", f"The PDF URL answered {result.status}.", status=result.status)
    return result.body


def parse_repo(repo_or_url: str) -> tuple[str, str]:
    """``(owner, name)`` from ``owner/name``, ``https://github.com/owner/name[.git][/...]``,
    ``github.com/owner/name`` or ``git@github.com:owner/name.git``; ``invalid_repo`` otherwise."""
    text = repo_or_url.strip()
    if text.startswith("git@"):
        host, _, path = text[4:].partition(":")
        parts = path.split("/") if host.lower() in GITHUB_HOSTS else []
    elif "://" in text or text.lower().split("/", 1)[0] in GITHUB_HOSTS:
        split = urlsplit(text if "://" in text else f"https://{text}")
        host = (split.hostname or "").lower()
        github = split.scheme in ("http", "https") and host in GITHUB_HOSTS
        parts = split.path.split("/")[1:] if github else []
    else:
        parts = text.split("/")
        if len(parts) != 2:
            parts = []
    if len(parts) >= 2:
        owner, name = parts[0], parts[1].removesuffix(".git")
        if _OWNER.fullmatch(owner) and _NAME.fullmatch(name) and name not in (".", ".."):
            return owner, name
    raise fetch_error(
        "invalid_repo", "Expected owner/name or a GitHub repository URL.", repo=repo_or_url[:200]
    )


class _GithubApi:
    """Calls to one repository's endpoints, with the token and limits of one fetch."""

    def __init__(
        self, owner: str, name: str, *, api_url: str, token: str | None, max_bytes: int, **fetch: Any
    ) -> None:
        self.base = f"{api_url.rstrip('/')}/repos/{quote(owner, safe='')}/{quote(name, safe='')}"
        self.headers = {"X-GitHub-Api-Version": GITHUB_API_VERSION}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        self.max_bytes = max_bytes
        self.fetch = fetch

    def get(self, path: str, *, accept: str = GITHUB_JSON, missing_ok: bool = False) -> HttpResult | None:
        result = safe_get(
            f"{self.base}/{path}",
            max_bytes=self.max_bytes,
            headers={**self.headers, "Accept": accept},
            **self.fetch,
        )
        if result.status == 200:
            return result
        if result.status == 404:
            if missing_ok:
                return None
            raise fetch_error("not_found", "GitHub has no such repository or file.", path=path)
        raise _status_error(result, authenticated="Authorization" in self.headers)

    def json(self, path: str, *, missing_ok: bool = False) -> Any:
        result = self.get(path, missing_ok=missing_ok)
        if result is None:
            return None
        try:
            return json.loads(result.body)
        except ValueError as exc:
            raise fetch_error("fetch_failed", "GitHub answered something that is not JSON.") from exc

    def file(self, entry: Any, path: str) -> GithubFile:
        """A file from its contents JSON (base64 ``content``; raw again when GitHub sends none)."""
        if not isinstance(entry, dict) or entry.get("type", "file") != "file":
            raise fetch_error("fetch_failed", "GitHub did not answer with a file.", path=path)
        path = str(entry.get("path") or path)
        html_url = str(entry.get("html_url") or "")
        if entry.get("encoding") == "base64" and (entry.get("content") or not entry.get("size")):
            try:
                data = base64.b64decode(str(entry.get("content") or ""))  # newlines are skipped
            except (binascii.Error, ValueError) as exc:
                raise fetch_error("fetch_failed", "GitHub sent invalid base64.", path=path) from exc
        else:  # files over 1 MB come without content
            raw = self.get(f"contents/{quote(path)}", accept=GITHUB_RAW)
            assert raw is not None
            data = raw.body
        text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
        return GithubFile(path=path, text=text, html_url=html_url)


def _status_error(result: HttpResult, *, authenticated: bool) -> FetchError:
    headers = result.headers
    limited = result.status == 429 or (
        result.status == 403 and (headers.get("x-ratelimit-remaining") == "0" or "retry-after" in headers)
    )
    if limited:
        details: dict[str, Any] = {"status": result.status}
        retry_after = parse_retry_after(headers.get("retry-after"))
        reset = headers.get("x-ratelimit-reset", "")
        if reset.isdigit():
            details["rate_limit_reset"] = int(reset)
        if retry_after is not None:
            details["retry_after"] = math.ceil(retry_after)
        elif reset.isdigit():
            details["retry_after"] = max(0, int(reset) - int(time.time()))
        if "x-ratelimit-limit" in headers:
            details["rate_limit_limit"] = headers["x-ratelimit-limit"]
        wait = details.get("retry_after")
        return fetch_error(
            "upstream_rate_limited",
            "GitHub's API rate limit is exhausted"
            + (f"; retry in {wait} s." if wait is not None else ".")
            + ("" if authenticated else " A GITHUB_TOKEN raises the limit."),
            headers={"Retry-After": str(wait)} if wait is not None else None,
            **details,
        )
    message = _github_message(result.body)
    return fetch_error("fetch_failed", f"GitHub answered {result.status}: {message}", status=result.status)


def _github_message(body: bytes) -> str:
    try:
        message = json.loads(body).get("message")
    except (ValueError, AttributeError):
        message = None
    return str(message or body[:200].decode("utf-8", errors="replace"))


def fetch_github(
    repo: str,
    *,
    api_url: str,
    token: str | None,
    include_docs: bool = False,
    allow_private: bool,
    allowed_ports: Collection[int] | None = DEFAULT_ALLOWED_PORTS,
    max_bytes: int,
    max_docs: int = 50,
    max_directories: int = 20,
    timeout: float = 20,
    resolver: Resolver | None = None,
    connector: Connector | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> GithubContent:
    """A repository's README and, with ``include_docs``, the Markdown files under ``docs/``.

    ``docs/`` is walked breadth-first, in name order, through at most ``max_directories``
    listings and ``max_docs`` files; the Markdown read in all stays under ``max_bytes``. A missing
    ``docs/`` is no error; a missing repository or README is ``not_found``.
    """
    owner, name = parse_repo(repo)
    api = _GithubApi(
        owner, name, api_url=api_url, token=token, max_bytes=max_bytes, allow_private=allow_private,
        allowed_ports=allowed_ports, timeout=timeout, resolver=resolver, connector=connector,
        ssl_context=ssl_context,
    )  # fmt: skip
    readme = api.file(api.json("readme"), "README.md")
    docs: list[GithubFile] = []
    if include_docs:
        budget = max_bytes - len(readme.text.encode())
        for path in _markdown_paths(api, max_docs=max_docs, max_directories=max_directories):
            document = api.file(api.json(f"contents/{quote(path)}"), path)
            budget -= len(document.text.encode())
            if budget < 0:
                break
            docs.append(document)
    return GithubContent(owner=owner, name=name, readme=readme, docs=docs)


def _markdown_paths(api: _GithubApi, *, max_docs: int, max_directories: int) -> list[str]:
    paths: list[str] = []
    pending = [DOCS_DIRECTORY]
    listed = 0
    while pending and listed < max_directories and len(paths) < max_docs:
        directory = pending.pop(0)
        listed += 1
        entries = api.json(f"contents/{quote(directory)}", missing_ok=True)
        if not isinstance(entries, list):  # missing, or a file named docs
            continue
        for entry in sorted((e for e in entries if isinstance(e, dict)), key=lambda e: str(e.get("path"))):
            path, kind = str(entry.get("path") or ""), entry.get("type")
            if kind == "dir" and path:
                pending.append(path)
            elif kind == "file" and path.lower().endswith(MARKDOWN_SUFFIXES) and len(paths) < max_docs:
                paths.append(path)
    return paths
