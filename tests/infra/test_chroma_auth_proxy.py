"""The authenticating proxy in front of Chroma (infrastructure/kubernetes/chroma-auth-proxy.conf.template),
run for real: a ``chroma run`` server on loopback and nginx with the template rendered as the nginx
image renders it, both on free ports. Without the right ``Authorization: Bearer`` the proxy answers
401 in JSON; with it, the document processor's own Chroma client (``CHROMA_AUTH_TOKEN`` set) creates
a collection, writes a batch of vectors larger than nginx's default body limit and queries them.

Also: the Kubernetes sidecar and the VM run that very file, Chroma itself listens on loopback only,
and the probes reach only the open heartbeat.

nginx comes from Debian (`.ci/run` installs it); without it the live tests are skipped.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from portfolio_documents import runtime
from portfolio_documents.config import DocumentsSettings
from portfolio_documents.processing.index.store import ChunkStore, DocumentRecord
from scripts.stack import free_port, running, wait_for
from tests.infra import kubernetes_checks as k8s
from tests.infra.workspace import ROOT

TEMPLATE = k8s.KUBERNETES / "chroma-auth-proxy.conf.template"
CLOUD_INIT = ROOT / "infrastructure" / "chroma" / "cloud-init.yaml"
TOKEN = "Chroma-Proxy-Token_0123456789abcdefABCDEF"  # mixed case: the comparison must be exact
NGINX = shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx", "/sbin/nginx") if os.access(p, os.X_OK)), None
)
CHROMA = Path(sys.executable).parent / "chroma"
#: What the nginx image's entrypoint substitutes (NGINX_ENVSUBST_FILTER in the manifests).
ENVSUBST_FILTER = re.compile(r"^CHROMA_")
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def render(template: str, env: Mapping[str, str]) -> str:
    """The template as the nginx image's 20-envsubst-on-templates.sh writes it: ``${NAME}`` replaced
    for each variable that is set and passes the filter; everything else (nginx's ``$vars``) kept."""

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        return env[name] if ENVSUBST_FILTER.search(name) and name in env else match.group(0)

    return _PLACEHOLDER.sub(substitute, template)


@pytest.fixture(scope="module")
def chroma_upstream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``chroma run`` on loopback, as behind the proxy in production."""
    directory = tmp_path_factory.mktemp("chroma")
    port = free_port()
    command = [
        str(CHROMA),
        "run",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--path",
        str(directory / "data"),
    ]
    with running(command, dict(os.environ), directory, directory / "chroma.log") as process:
        wait_for([f"http://127.0.0.1:{port}/api/v2/heartbeat"], process, timeout=90)
        yield f"127.0.0.1:{port}"


@pytest.fixture(scope="module")
def proxy(chroma_upstream: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """nginx with the rendered template, in the foreground, every file of its own under a temporary
    prefix (pid, logs, temporary directories)."""
    if NGINX is None:
        pytest.skip("nginx is not installed: `apt-get install nginx-light` (.ci/run does, so CI runs this)")
    prefix = tmp_path_factory.mktemp("nginx")
    (prefix / "conf.d").mkdir()
    (prefix / "logs").mkdir()
    port = free_port()
    env = {
        "CHROMA_AUTH_TOKEN": TOKEN,
        "CHROMA_PROXY_PORT": f"127.0.0.1:{port}",
        "CHROMA_UPSTREAM": chroma_upstream,
    }
    (prefix / "conf.d" / "chroma-auth-proxy.conf").write_text(render(TEMPLATE.read_text(), env))
    # The main file the nginx image ships, reduced to what matters here: conf.d inside http.
    (prefix / "nginx.conf").write_text(
        f"""worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log notice;
events {{ worker_connections 64; }}
http {{
    access_log {prefix}/logs/access.log;
    client_body_temp_path {prefix}/client_temp;
    proxy_temp_path {prefix}/proxy_temp;
    fastcgi_temp_path {prefix}/fastcgi_temp;
    uwsgi_temp_path {prefix}/uwsgi_temp;
    scgi_temp_path {prefix}/scgi_temp;
    default_type application/octet-stream;
    include {prefix}/conf.d/*.conf;
}}
"""
    )
    command = [
        NGINX,
        *("-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", str(prefix / "logs" / "error.log")),
        *("-g", "daemon off;"),
    ]
    with running(command, dict(os.environ), prefix, prefix / "logs" / "stderr.log") as process:
        wait_for([f"http://127.0.0.1:{port}/api/v2/heartbeat"], process, timeout=90)
        yield f"http://127.0.0.1:{port}"


@dataclass(frozen=True)
class Chunk:
    text: str
    index: int
    heading_path: list[str] = field(default_factory=list)
    page_start: int | None = None
    page_end: int | None = None
    char_start: int = 0
    char_end: int = 0


# -- live: nginx in front of a real Chroma ---------------------------------------------------------
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": f"Bearer {TOKEN.lower()}"},
        {"Authorization": TOKEN},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": f"Bearer {TOKEN}x"},
    ],
    ids=["none", "wrong", "wrong-case", "no-scheme", "basic", "longer"],
)
def test_without_the_token_the_proxy_answers_401_in_json(proxy: str, headers: dict[str, str]) -> None:
    for method, path in [
        ("GET", "/api/v2/tenants/default_tenant/databases/default_database/collections"),
        ("POST", "/api/v2/tenants/default_tenant/databases/default_database/collections"),
        ("GET", "/api/v2/version"),
        ("GET", "/api/v2/heartbeat/extra"),
    ]:
        reply = httpx.request(method, proxy + path, headers=headers, json={"name": "intruder"})
        assert reply.status_code == 401, (method, path, reply.text)
        assert reply.headers["content-type"].startswith("application/json")
        assert reply.json()["error"] == "Unauthorized"
        assert reply.headers["www-authenticate"].startswith("Bearer")


def test_the_heartbeat_stays_open_for_the_probes(proxy: str) -> None:
    reply = httpx.get(f"{proxy}/api/v2/heartbeat")
    assert reply.status_code == 200
    assert "nanosecond heartbeat" in reply.json()


def test_the_document_processors_client_works_through_the_proxy(proxy: str) -> None:
    settings = DocumentsSettings(CHROMA_URL=proxy, CHROMA_AUTH_TOKEN=TOKEN)
    store = ChunkStore(runtime.chroma(settings), prefix="proxytest", model_id="test-model", dimension=384)
    document = DocumentRecord(
        document_key="doc:proxy", title="Proxied", source_type="text", content_sha256="0" * 64
    )
    # 400 vectors of 384 floats: several MB of JSON, past nginx's default 1 MB body limit.
    count = 400
    rng = random.Random(14)
    vectors = [[rng.gauss(0, 1) for _ in range(384)] for _ in range(count)]
    chunks = [Chunk(text=f"chunk {i}", index=i, char_end=7) for i in range(count)]
    ids = store.replace_vectors(document, chunks, vectors)
    assert store.count_vectors("doc:proxy") == count
    found = store.collection.query(query_embeddings=[vectors[42]], n_results=1, include=["metadatas"])
    assert found["ids"][0] == [ids[42]]
    assert found["metadatas"][0][0]["chunk_index"] == 42
    store.chroma.delete_collection(store.name)
    # The same client without the token is refused (chromadb asks who it is when it connects and
    # re-raises the proxy's answer).
    with pytest.raises(ValueError, match="Unauthorized"):
        runtime.chroma(DocumentsSettings(CHROMA_URL=proxy))


def test_the_template_substitutes_only_chroma_variables() -> None:
    rendered = render(
        TEMPLATE.read_text(),
        {"CHROMA_AUTH_TOKEN": "t", "CHROMA_PROXY_PORT": "8000", "CHROMA_UPSTREAM": "127.0.0.1:8001"},
    )
    assert "${" not in rendered
    assert 'if ($http_authorization != "Bearer t")' in rendered


# -- the deployments run this file --------------------------------------------------------------------
def _chroma_pod() -> dict[str, Any]:
    statefulset = next(
        r for r in k8s.load() if r.get("kind") == "StatefulSet" and r["metadata"]["name"] == "chroma"
    )
    return k8s.pod_spec(statefulset)


def test_kubernetes_puts_the_proxy_in_front_of_chroma() -> None:
    kustomization = yaml.safe_load((k8s.KUBERNETES / "kustomization.yaml").read_text())
    generated = {g["name"]: g for g in kustomization.get("configMapGenerator") or []}
    assert generated["chroma-auth-proxy"]["files"] == [TEMPLATE.name]
    pod = _chroma_pod()
    containers = {c["name"]: c for c in pod["containers"]}
    proxy, chroma = containers["auth-proxy"], containers["chroma"]
    env = {e["name"]: e for e in proxy["env"]}
    assert env["CHROMA_AUTH_TOKEN"]["valueFrom"]["secretKeyRef"]["key"] == "CHROMA_AUTH_TOKEN"
    assert env["CHROMA_PROXY_PORT"]["value"] == "8000"
    assert env["NGINX_ENVSUBST_FILTER"]["value"] == ENVSUBST_FILTER.pattern
    assert [p["containerPort"] for p in proxy["ports"]] == [8000]
    # Chroma on loopback only, on the port the proxy forwards to; nothing else in the pod listens.
    upstream = env["CHROMA_UPSTREAM"]["value"]
    assert upstream.startswith("127.0.0.1:")
    assert chroma["args"][chroma["args"].index("--host") + 1] == "127.0.0.1"
    assert chroma["args"][chroma["args"].index("--port") + 1] == upstream.split(":")[1]
    assert not chroma.get("ports")
    volumes = {v["name"]: v for v in pod["volumes"]}
    mount = next(m for m in proxy["volumeMounts"] if m["mountPath"] == "/etc/nginx/templates")
    assert volumes[mount["name"]]["configMap"]["name"] == "chroma-auth-proxy"
    # Probes carry no token: they may only ask for the open heartbeat.
    for container in (proxy, chroma):
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            get = (container.get(probe) or {}).get("httpGet")
            assert get is None or get["path"] == "/api/v2/heartbeat"


def test_kubernetes_clients_send_the_token() -> None:
    for name in ("documents", "worker"):
        deployment = next(
            r for r in k8s.load() if r.get("kind") == "Deployment" and r["metadata"]["name"] == name
        )
        env = {e["name"]: e for c in k8s.pod_spec(deployment)["containers"] for e in c.get("env") or []}
        assert env["CHROMA_AUTH_TOKEN"]["valueFrom"]["secretKeyRef"]["key"] == "CHROMA_AUTH_TOKEN", name


def test_the_vm_runs_the_same_proxy() -> None:
    config = yaml.safe_load(CLOUD_INIT.read_text())
    files = {f["path"]: f["content"] for f in config["write_files"]}
    assert files["/etc/chroma-proxy/templates/chroma-auth-proxy.conf.template"] == TEMPLATE.read_text()
    chroma = files["/etc/systemd/system/chroma.service"]
    assert "--host 127.0.0.1 --port 8001" in chroma and "--publish" not in chroma
    proxy = files["/etc/systemd/system/chroma-proxy.service"]
    assert "CHROMA_PROXY_PORT=8000" in proxy and "CHROMA_UPSTREAM=127.0.0.1:8001" in proxy
    assert f"NGINX_ENVSUBST_FILTER={ENVSUBST_FILTER.pattern}" in proxy
    assert "--env-file /run/chroma-proxy/token.env" in proxy
    assert "/bin/bash /etc/chroma-proxy/fetch-token.sh" in proxy
    script = files["/etc/chroma-proxy/fetch-token.sh"]
    assert "secrets/portfolio-chroma-auth-token/versions/latest:access" in script
    subprocess.run(["bash", "-n"], input=script.encode(), check=True)  # it parses
    assert "systemctl start chroma-proxy.service" in config["runcmd"]
