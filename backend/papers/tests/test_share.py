"""Share previews: core's meta tags and PNG card, and the SPA host's nginx (frontend/docker's
template, run for real on free ports) serving them to a client that runs no JavaScript."""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.conf import settings
from pytest_django.live_server_helper import LiveServer
from rest_framework.test import APIClient

from papers.card import HEIGHT, WIDTH, render_card
from papers.models import Paper
from papers.tests.conftest import payload, store

FRONTEND = Path(__file__).resolve().parents[3] / "frontend"
TEMPLATE = FRONTEND / "docker" / "default.conf.template"
NGINX = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

LONG_TITLE = "Sparse Attention for Very Long Contexts " * 12
PAPER = payload(
    "2401.04242",
    title='Attention Is <Still> "All" You Need',
    abstract="We show that attention still matters. " * 20,
    authors=["Ada Lovelace", "Jürgen Müller"],
    topics=["LLM", "Efficiency"],
)


class MetaTags(HTMLParser):
    """The ``<meta>`` tags (by property or name) and the ``<title>`` of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: dict[str, list[str]] = {}
        self.titles: list[str] = []
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        key = values.get("property") or values.get("name")
        if tag == "meta" and key and values.get("content") is not None:
            self.tags.setdefault(key, []).append(values["content"] or "")
        self._in_title = tag == "title"

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.titles.append(data)
            self._in_title = False


def meta(html: str) -> MetaTags:
    parser = MetaTags()
    parser.feed(html)
    return parser


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.django_db
def test_the_head_names_the_paper_and_its_card(api: APIClient) -> None:
    store(PAPER)
    response = api.get("/share/papers/2401.04242v3/head")
    assert response.status_code == 200
    tags = meta(response.content.decode())
    assert tags.tags["og:title"] == [PAPER["title"]]  # escaped in the HTML, whole in the value
    assert tags.titles == [f"{PAPER['title']} · AI Platform Portfolio"]
    assert tags.tags["og:image"] == [f"{settings.SITE_URL}/share/papers/2401.04242/card.png?v=1"]
    assert tags.tags["twitter:card"] == ["summary_large_image"]
    assert tags.tags["og:url"] == [f"{settings.SITE_URL}/papers/2401.04242"]
    description = tags.tags["og:description"][0]
    assert description.startswith("We show that attention") and len(description) <= 201
    assert '"All"' not in response.content.decode()  # quotes and brackets are escaped


@pytest.mark.django_db
def test_the_page_and_the_card_of_an_old_style_id(api: APIClient) -> None:
    store(payload("hep-th/9901001", title="Strings", topics=[]))
    page = api.get("/share/papers/hep-th/9901001")
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    assert meta(page.content.decode()).tags["og:title"] == ["Strings"]
    card = api.get("/share/papers/hep-th/9901001/card.png")
    assert card.status_code == 200 and card["Content-Type"] == "image/png"
    assert png_size(card.content) == (WIDTH, HEIGHT)


@pytest.mark.django_db
def test_unknown_and_hidden_papers_are_404(api: APIClient) -> None:
    store(payload("2401.00009"))
    Paper.objects.filter(arxiv_id="2401.00009").update(hidden=True)
    for path in ("2401.00009", "2401.00009/head", "2401.00009/card.png", "2499.99999/head"):
        assert api.get(f"/share/papers/{path}").status_code == 404


@pytest.mark.parametrize(
    ("title", "authors"),
    [
        (LONG_TITLE, [f"Author Number{i}" for i in range(300)]),
        ("大型语言模型的稀疏注意力研究", ["张伟", "李娜"]),
        ("Supercalifragilistic" * 30, []),
        ("", ["Ada"]),
    ],
)
def test_the_card_stays_a_card_for_any_paper(title: str, authors: list[str]) -> None:
    png = render_card(title=title, authors=authors, topics=["Safety & Alignment"] * 9, arxiv_id="2401.1")
    assert png_size(png) == (WIDTH, HEIGHT)


def test_a_long_title_is_cut_and_ends_in_an_ellipsis() -> None:
    from papers.card import TITLE_LINES, TITLE_SIZES, _font, wrap

    lines, fits = wrap(LONG_TITLE, _font(TITLE_SIZES[-1]), 1072, TITLE_LINES)
    assert not fits and len(lines) == TITLE_LINES and lines[-1].endswith("...")
    short, fits = wrap("A short title", _font(TITLE_SIZES[0]), 1072, TITLE_LINES)
    assert fits and short == ["A short title"]


# --- the SPA host: nginx with the frontend's template, in front of core -----------------------


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def spa_host(live_server: LiveServer, tmp_path: Path, settings: Any) -> Iterator[str]:
    """nginx serving frontend/index.html as the app shell (the built shell keeps its comments),
    with the template rendered as the nginx image renders it, proxying to a live core."""
    port = _free_port()
    settings.SITE_URL = f"http://127.0.0.1:{port}"
    with _nginx(tmp_path, port, live_server.url) as url:
        yield url


@contextmanager
def _nginx(tmp_path: Path, port: int, core_url: str) -> Iterator[str]:
    if NGINX is None:
        pytest.skip("nginx is not installed: `apt-get install nginx-light` (.ci/run does, so CI runs this)")
    url = f"http://127.0.0.1:{port}"
    html = tmp_path / "html"
    html.mkdir()
    shutil.copy(FRONTEND / "index.html", html / "index.html")
    headers = tmp_path / "security-headers.conf"
    headers.write_text('add_header X-Content-Type-Options "nosniff" always;\n')
    conf = TEMPLATE.read_text()
    for name, value in {"PORT": f"127.0.0.1:{port}", "CORE_URL": core_url}.items():
        conf = conf.replace("${" + name + "}", value)
    conf = conf.replace("/usr/share/nginx/html", str(html))
    conf = conf.replace("/etc/nginx/snippets/security-headers.conf", str(headers))
    assert "${" not in conf
    (tmp_path / "default.conf").write_text(conf)
    (tmp_path / "nginx.conf").write_text(
        # As root, workers would run as nobody and could not read the test's private directory.
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"""worker_processes 1;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log notice;
events {{ worker_connections 64; }}
http {{
    access_log {tmp_path}/access.log;
    client_body_temp_path {tmp_path}/client_temp;
    proxy_temp_path {tmp_path}/proxy_temp;
    fastcgi_temp_path {tmp_path}/fastcgi_temp;
    uwsgi_temp_path {tmp_path}/uwsgi_temp;
    scgi_temp_path {tmp_path}/scgi_temp;
    types {{ text/html html; image/png png; }}
    default_type application/octet-stream;
    include {tmp_path}/default.conf;
}}
"""
    )
    files = ["-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-e", str(tmp_path / "error.log")]
    command = [NGINX, *files]
    process = subprocess.Popen([*command, "-g", "daemon off;"], stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(url + "/", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                assert time.monotonic() < deadline, "nginx did not answer"
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.django_db(transaction=True)
def test_a_non_javascript_fetch_of_a_paper_on_the_spa_host_sees_the_paper(spa_host: str) -> None:
    store(PAPER, payload("hep-th/9901001", title="Old-style strings"))
    with httpx.Client(base_url=spa_host, timeout=10, headers={"User-Agent": "curl/8"}) as client:
        page = client.get("/papers/2401.04242")
        assert page.status_code == 200
        html = page.text
        assert '<div id="root"></div>' in html  # the app shell, for people
        tags = meta(html)
        assert tags.tags["og:title"] == [PAPER["title"]]  # the paper's tags, instead of the site's
        assert tags.tags["twitter:card"] == ["summary_large_image"]
        assert len(tags.titles) == 1
        image = tags.tags["og:image"][0]
        assert image.startswith(spa_host + "/share/papers/2401.04242/card.png")
        card = client.get(image.removeprefix(spa_host))
        assert card.status_code == 200 and card.headers["content-type"] == "image/png"
        assert png_size(card.content) == (WIDTH, HEIGHT)

        assert meta(client.get("/papers/hep-th/9901001").text).tags["og:title"] == ["Old-style strings"]

        # The saved-papers page is no paper: the shell as is, SSI not run (no subrequest to core).
        saved = client.get("/papers/saved")
        assert saved.status_code == 200 and '<div id="root"></div>' in saved.text
        assert "<!--# include" in saved.text
        assert meta(saved.text).tags["og:title"] == ["AI Platform Portfolio"]

        # No such paper, and any other route: the shell with the site's own tags.
        for path in ("/papers/2499.99999", "/projects", "/papers"):
            other = client.get(path)
            assert other.status_code == 200
            assert meta(other.text).tags["og:title"] == ["AI Platform Portfolio"], path

        robots = client.get("/robots.txt")
        assert robots.status_code == 200 and f"Sitemap: {spa_host}/sitemap.xml" in robots.text
        sitemap = client.get("/sitemap.xml")
        assert sitemap.status_code == 200 and "<sitemapindex" in sitemap.text
        section = re.search(r"<loc>[^<]*(/sitemap-papers\.xml[^<]*)</loc>", sitemap.text)
        assert section is not None
        papers = client.get(section.group(1).replace("&amp;", "&"))
        assert f"{spa_host}/papers/2401.04242" in papers.text


def test_a_core_that_never_answers_costs_a_paper_page_its_tags_not_the_page(tmp_path: Path) -> None:
    import socket

    with socket.socket() as silent:  # accepts connections (the backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        core = f"http://127.0.0.1:{silent.getsockname()[1]}"
        with _nginx(tmp_path, _free_port(), core) as url:
            # Without the subrequest's read timeout nginx would wait 60 s, past this client's 10 s.
            page = httpx.get(url + "/papers/2401.04242", timeout=10)
    assert page.status_code == 200 and '<div id="root"></div>' in page.text
    assert meta(page.text).tags["og:title"] == ["AI Platform Portfolio"]


# --- Vercel: vercel.json's rewrites, evaluated as Vercel does (first match wins) ---------------

VERCEL = FRONTEND / "vercel.json"
CRAWLERS = ["Twitterbot/1.0", "facebookexternalhit/1.1", "Slackbot-LinkExpanding 1.0", "Discordbot/2.0",
            "LinkedInBot/1.0", "WhatsApp/2.23", "Mozilla/5.0 (compatible; Googlebot/2.1)"]  # fmt: skip
PEOPLE = ["Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120 Safari/537.36", "curl/8"]


def _pattern(source: str) -> re.Pattern[str]:
    """A Vercel ``source`` (path-to-regexp: ``:name``, ``:name+``, ``:name*``, ``(regex)``) as a regex."""
    out = ""
    for token in re.split(r"(:[a-z]+[+*]?|\([^)]*\))", source):
        if token.startswith(":"):
            name, mod = token[1:].rstrip("+*"), token[-1]
            body = {"+": ".+", "*": ".*"}.get(mod, "[^/]+")
            out += f"(?P<{name}>{body})"
        elif token.startswith("("):
            out += token
        else:
            out += re.escape(token)
    return re.compile(out + "$")


def vercel_rewrite(path: str, user_agent: str) -> str:
    for rule in json.loads(VERCEL.read_text())["rewrites"]:
        match = _pattern(rule["source"]).match(path)
        if not match:
            continue
        if any(not re.fullmatch(has["value"], user_agent) for has in rule.get("has", [])):
            continue
        destination = rule["destination"]
        for name, value in match.groupdict().items():
            destination = re.sub(rf":{name}[+*]?", value, destination)
        return destination
    raise AssertionError(f"no rewrite for {path}")


def _core_path(destination: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(destination)
    assert parts.scheme == "https" and parts.netloc, destination
    return parts.path


def test_vercel_sends_crawlers_of_a_paper_to_core_and_people_to_the_app() -> None:
    from django.urls import resolve

    for agent in CRAWLERS:
        for paper in ("2401.04242", "hep-th/9901001"):
            path = _core_path(vercel_rewrite(f"/papers/{paper}", agent))
            assert path == f"/share/papers/{paper}", agent
            assert resolve(path).url_name == "paper-share"
        assert vercel_rewrite("/papers/saved", agent) == "/index.html"  # the SPA's page, no paper
    for agent in PEOPLE:
        assert vercel_rewrite("/papers/2401.04242", agent) == "/index.html"
        assert vercel_rewrite("/projects", agent) == "/index.html"


def test_vercel_answers_robots_sitemaps_and_cards_from_core() -> None:
    from django.urls import resolve

    origins = set()
    for path, name in [
        ("/robots.txt", "robots-txt"),
        ("/sitemap.xml", "sitemap-index"),
        ("/sitemap-papers.xml", "django.contrib.sitemaps.views.sitemap"),
        ("/share/papers/2401.04242/card.png", "paper-share-card"),
    ]:
        destination = vercel_rewrite(path, PEOPLE[0])
        assert _core_path(destination) == path
        assert resolve(path).url_name == name
        origins.add(destination.removesuffix(path))
    assert len(origins) == 1  # one core origin, named once per rule
