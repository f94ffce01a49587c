"""The SPA is served with a Content-Security-Policy made from its build-time URLs, X-Frame-Options
and nosniff: by nginx (frontend/Dockerfile, docker/default.conf.template), by Vercel (vercel.json,
with the policy in index.html's meta tag) and in every build (the Vite plugin). The policy comes
from frontend/security/headers.mjs, rendered here with node for production-like URLs.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.infra.dockerfile import Dockerfile
from tests.infra.workspace import ROOT

FRONTEND = ROOT / "frontend"
HEADERS = FRONTEND / "security" / "headers.mjs"
URLS = {"VITE_CORE_URL": "https://backend.example.org/", "VITE_ANALYTICS_URL": "https://stats.example.org"}


def node(*args: str, env: dict[str, str] | None = None) -> str:
    binary = shutil.which("node")
    assert binary, "node is missing (the frontend needs it)"
    run = subprocess.run(
        [binary, *args],
        cwd=FRONTEND,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    return run.stdout


def directives(policy: str) -> dict[str, list[str]]:
    return {name: values for name, *values in (d.split() for d in policy.split(";") if d.strip())}


def nginx_headers(env: dict[str, str]) -> dict[str, str]:
    lines = node(str(HEADERS), "nginx", env=env).splitlines()
    found = {}
    for line in lines:
        match = re.fullmatch(r'add_header (\S+) "(.*)" always;', line)
        assert match, line
        found[match.group(1)] = match.group(2)
    return found


def test_the_policy_leaves_room_for_core_analytics_their_sockets_and_the_charts() -> None:
    headers = nginx_headers(URLS)
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    policy = directives(headers["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no inline or foreign script
    assert set(policy["connect-src"]) == {
        "'self'",
        "https://backend.example.org",
        "https://stats.example.org",
        "wss://stats.example.org",
        "wss://backend.example.org",
    }
    assert "https://backend.example.org" in policy["img-src"]
    assert "'unsafe-inline'" in policy["style-src"]  # Recharts and React style props
    assert policy["frame-ancestors"] == ["'none'"]


def test_local_builds_get_plain_websockets() -> None:
    policy = directives(node(str(HEADERS), "csp", env={"VITE_CORE_URL": "", "VITE_ANALYTICS_URL": ""}))
    assert {"http://127.0.0.1:8002", "ws://127.0.0.1:8002"} <= set(policy["connect-src"])


def test_nginx_sends_the_headers_from_every_location() -> None:
    template = (FRONTEND / "docker" / "default.conf.template").read_text()
    locations = re.findall(r"location [^{]+\{([^}]*)\}", template)
    assert locations
    for body in locations:
        assert "include /etc/nginx/snippets/security-headers.conf;" in body
    dockerfile = Dockerfile(FRONTEND / "Dockerfile", FRONTEND)
    build = " ".join(i.args for i in dockerfile.stage("build").of("RUN"))
    assert "node security/headers.mjs nginx > /app/security-headers.conf" in build
    runtime = [i.args for i in dockerfile.stage("runtime").of("COPY")]
    assert "--from=build /app/security-headers.conf /etc/nginx/snippets/security-headers.conf" in runtime


def test_vercel_sends_the_same_static_headers() -> None:
    vercel = json.loads((FRONTEND / "vercel.json").read_text())
    everywhere = next(h for h in vercel["headers"] if h["source"] == "/(.*)")
    sent = {h["key"]: h["value"] for h in everywhere["headers"]}
    expected = {k: v for k, v in nginx_headers(URLS).items() if k != "Content-Security-Policy"}
    assert sent == expected  # the policy itself is in index.html: Vercel reads no build-time URL


@pytest.fixture(scope="module")
def built_index(tmp_path_factory: pytest.TempPathFactory) -> str:
    if not (FRONTEND / "node_modules").exists():
        pytest.fail("frontend/node_modules is missing: run `make install` (npm ci) first")
    out = tmp_path_factory.mktemp("spa")
    node("node_modules/vite/bin/vite.js", "build", "--outDir", str(out), "--emptyOutDir", env=URLS)
    return (Path(out) / "index.html").read_text()


def test_every_build_carries_its_policy(built_index: str) -> None:
    match = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', built_index)
    assert match, built_index[:1000]
    meta = match.group(1).replace("&#39;", "'")
    header = nginx_headers(URLS)["Content-Security-Policy"]
    assert meta == header.removesuffix("; frame-ancestors 'none'")  # a meta tag cannot carry it
