"""GitHub READMEs and docs/ Markdown through the REST API, against a local server answering in
GitHub's own shapes (contents JSON with base64 ``content`` wrapped at 60 characters)."""

from __future__ import annotations

import base64
import json
import textwrap
from typing import Any

import pytest
from fake_upstream import FakeUpstream, Reply, Seen, fake_upstream

from portfolio_documents.processing.net.fetch import FetchError, fetch_github, parse_repo

OWNER, NAME = "octo-org", "hello.world"
REPO = f"/repos/{OWNER}/{NAME}"
README = "# Hello World\n\nA project that says hello — in Ελληνικά too.\n"
LIMIT = 1024 * 1024


def content_json(api: str, path: str, text: str | None, *, size: int | None = None) -> dict[str, Any]:
    """A file as ``GET /repos/{owner}/{repo}/contents/{path}`` (and ``/readme``) returns it."""
    raw = (text or "").encode()
    encoded = "\n".join(textwrap.wrap(base64.b64encode(raw).decode(), 60)) + "\n" if text is not None else ""
    name = path.rsplit("/", 1)[-1]
    return {
        "type": "file",
        "encoding": "base64" if text is not None else "none",
        "size": size if size is not None else len(raw),
        "name": name,
        "path": path,
        "content": encoded,
        "sha": "3d21ec53a331a6f037a91c368710b99387d012c1",
        "url": f"{api}{REPO}/contents/{path}",
        "git_url": f"{api}{REPO}/git/blobs/3d21ec53a331a6f037a91c368710b99387d012c1",
        "html_url": f"https://github.com/{OWNER}/{NAME}/blob/main/{path}",
        "download_url": f"https://raw.githubusercontent.com/{OWNER}/{NAME}/main/{path}",
        "_links": {},
    }


def entry(path: str, kind: str = "file") -> dict[str, Any]:
    """One item of a directory listing (``GET /contents/{dir}``)."""
    return {"type": kind, "name": path.rsplit("/", 1)[-1], "path": path, "size": 10, "sha": "0" * 40}


def as_json(value: Any, status: int = 200, **headers: str) -> Reply:
    return Reply(status, json.dumps(value).encode(), {"Content-Type": "application/json", **headers})


def github(upstream: FakeUpstream, **kwargs: Any) -> Any:
    kwargs.setdefault("token", None)
    return fetch_github(
        kwargs.pop("repo", f"{OWNER}/{NAME}"),
        api_url=upstream.url,
        allow_private=True,
        allowed_ports=None,  # the fake upstream listens on a free port
        max_bytes=LIMIT,
        **kwargs,
    )


@pytest.fixture
def api() -> Any:
    with fake_upstream({}) as upstream:
        upstream.routes[f"{REPO}/readme"] = as_json(content_json(upstream.url, "README.md", README))
        yield upstream


@pytest.mark.parametrize(
    "text",
    [
        "octo-org/hello.world",
        " octo-org/hello.world ",
        "octo-org/hello.world.git",
        "https://github.com/octo-org/hello.world",
        "https://github.com/octo-org/hello.world.git",
        "https://github.com/octo-org/hello.world/tree/main/docs",
        "http://www.github.com/octo-org/hello.world/",
        "github.com/octo-org/hello.world",
        "git@github.com:octo-org/hello.world.git",
    ],
)
def test_repository_names_and_urls_are_parsed(text: str) -> None:
    assert parse_repo(text) == (OWNER, NAME)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "octo-org",
        "octo-org/hello/extra",
        "https://gitlab.com/octo-org/hello.world",
        "https://github.com/octo-org",
        "-bad/name",
        "octo-org/..",
        "octo-org/with space",
        "ftp://github.com/octo-org/hello.world",
    ],
)
def test_invalid_repositories_are_refused(text: str) -> None:
    with pytest.raises(FetchError) as caught:
        parse_repo(text)
    assert (caught.value.error_code, caught.value.status) == ("invalid_repo", 422)


def test_the_readme_is_decoded_from_base64_with_newlines(api: FakeUpstream) -> None:
    content = github(api, token="ghp_example")
    assert (content.owner, content.name) == (OWNER, NAME)
    assert content.readme.text == README
    assert content.readme.path == "README.md"
    assert content.readme.html_url == f"https://github.com/{OWNER}/{NAME}/blob/main/README.md"
    assert content.docs == []
    sent = api.seen[0].headers
    assert sent["authorization"] == "Bearer ghp_example"
    assert sent["accept"] == "application/vnd.github+json"
    assert sent["x-github-api-version"] == "2022-11-28"
    assert api.paths() == [f"{REPO}/readme"]  # docs are not read unless asked


def test_without_a_token_no_authorization_is_sent(api: FakeUpstream) -> None:
    github(api)
    assert "authorization" not in api.seen[0].headers


def test_docs_markdown_is_read_recursively_in_path_order(api: FakeUpstream) -> None:
    api.routes[f"{REPO}/contents/docs"] = as_json(
        [
            entry("docs/usage.md"),
            entry("docs/logo.png"),
            entry("docs/guide", "dir"),
            entry("docs/api.markdown"),
        ]
    )
    api.routes[f"{REPO}/contents/docs/guide"] = as_json([entry("docs/guide/install.md")])
    for path, text in [
        ("docs/usage.md", "# Usage\nRun it."),
        ("docs/api.markdown", "# API\nCall it."),
        ("docs/guide/install.md", "# Install\npip install it."),
    ]:
        api.routes[f"{REPO}/contents/{path}"] = as_json(content_json(api.url, path, text))
    content = github(api, include_docs=True)
    assert [(d.path, d.text.split("\n")[0]) for d in content.docs] == [
        ("docs/api.markdown", "# API"),
        ("docs/usage.md", "# Usage"),
        ("docs/guide/install.md", "# Install"),
    ]
    assert f"{REPO}/contents/docs/logo.png" not in api.paths()


def test_the_number_of_docs_is_bounded(api: FakeUpstream) -> None:
    api.routes[f"{REPO}/contents/docs"] = as_json([entry(f"docs/page{i:02}.md") for i in range(30)])
    for i in range(30):
        path = f"docs/page{i:02}.md"
        api.routes[f"{REPO}/contents/{path}"] = as_json(content_json(api.url, path, f"page {i}"))
    content = github(api, include_docs=True, max_docs=3)
    assert [d.text for d in content.docs] == ["page 0", "page 1", "page 2"]
    assert len([p for p in api.paths() if p.startswith(f"{REPO}/contents/docs/")]) == 3


def test_a_repository_without_docs_has_an_empty_list(api: FakeUpstream) -> None:
    assert github(api, include_docs=True).docs == []
    assert f"{REPO}/contents/docs" in api.paths()


def test_a_file_too_large_for_the_json_is_fetched_raw(api: FakeUpstream) -> None:
    big = "# Big\n" + "word " * 1000
    api.routes[f"{REPO}/readme"] = as_json(content_json(api.url, "README.md", None, size=len(big)))

    def raw(seen: Seen) -> Reply:
        if seen.headers.get("accept") != "application/vnd.github.raw+json":
            return as_json(content_json(api.url, "README.md", None, size=len(big)))
        return Reply(body=big.encode(), headers={"Content-Type": "application/vnd.github.raw"})

    api.routes[f"{REPO}/contents/README.md"] = raw
    assert github(api).readme.text == big


def test_a_missing_repository_is_not_found(api: FakeUpstream) -> None:
    with pytest.raises(FetchError) as caught:
        github(api, repo="octo-org/missing")
    assert caught.value.error_code == "not_found"


def test_the_rate_limit_is_reported_with_its_reset(api: FakeUpstream) -> None:
    body = {"message": "API rate limit exceeded for 203.0.113.9.", "documentation_url": "https://docs"}
    api.routes[f"{REPO}/readme"] = as_json(
        body,
        403,
        **{"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "4102444800"},
    )
    with pytest.raises(FetchError) as caught:
        github(api)
    error = caught.value
    assert (error.error_code, error.status) == ("upstream_rate_limited", 503)
    assert error.details["rate_limit_reset"] == 4102444800
    assert error.details["retry_after"] > 0
    assert error.headers["Retry-After"] == str(error.details["retry_after"])
    assert "GITHUB_TOKEN" in error.message


def test_a_secondary_rate_limit_passes_retry_after_on(api: FakeUpstream) -> None:
    api.routes[f"{REPO}/readme"] = as_json({"message": "secondary rate limit"}, 429, **{"Retry-After": "42"})
    with pytest.raises(FetchError) as caught:
        github(api, token="t")
    assert caught.value.error_code == "upstream_rate_limited"
    assert caught.value.details["retry_after"] == 42
    assert "GITHUB_TOKEN" not in caught.value.message


def test_a_plain_forbidden_is_an_upstream_failure_with_githubs_message(api: FakeUpstream) -> None:
    api.routes[f"{REPO}/readme"] = as_json({"message": "Resource not accessible by integration"}, 403)
    with pytest.raises(FetchError) as caught:
        github(api)
    assert caught.value.error_code == "fetch_failed"
    assert "Resource not accessible" in caught.value.message


def test_a_renamed_repository_redirect_is_followed_with_the_token(api: FakeUpstream) -> None:
    api.routes[f"/repos/{OWNER}/old-name/readme"] = Reply(
        301, headers={"Location": f"{api.url}{REPO}/readme"}
    )
    content = github(api, repo=f"{OWNER}/old-name", token="secret")
    assert content.readme.text == README
    assert [s.headers.get("authorization") for s in api.seen] == ["Bearer secret", "Bearer secret"]


def test_the_token_is_not_sent_to_another_origin() -> None:
    with fake_upstream({}) as other, fake_upstream({}) as api:
        other.routes[f"{REPO}/readme"] = as_json(content_json(other.url, "README.md", README))
        api.routes[f"{REPO}/readme"] = Reply(302, headers={"Location": f"{other.url}{REPO}/readme"})
        assert github(api, token="secret").readme.text == README
    assert api.seen[0].headers["authorization"] == "Bearer secret"
    assert "authorization" not in other.seen[0].headers


def test_the_api_url_is_guarded_like_any_url(api: FakeUpstream) -> None:
    with pytest.raises(FetchError) as caught:
        fetch_github(
            f"{OWNER}/{NAME}",
            api_url=api.url,
            token=None,
            allow_private=False,
            allowed_ports=None,
            max_bytes=LIMIT,
        )
    assert caught.value.error_code == "url_not_allowed"
    assert api.seen == []
