"""The Cloud Run manifests (infrastructure/cloudrun) checked against the code, iam.yaml and each other.

Every ``check_*`` function takes the parsed manifests (name -> dict) and iam.yaml (a dict), so a test
can break a copy, and returns a list of problems: empty means the check passes.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from portfolio_shared.settings import ServiceSettings
from tests.infra import cloudrun_model as m
from tests.infra.compose_checks import _image_sources, reads_variable
from tests.infra.workspace import ROOT

#: Read by a third-party program of the image, not by our sources: variable -> that program.
THIRD_PARTY_VARIABLES = {"GUNICORN_CMD_ARGS": "gunicorn"}
EXPECTED = {
    "Service": set(m.API_SERVICES) | {"portfolio-frontend"},
    "WorkerPool": {"portfolio-worker"} | {f"portfolio-{s}-outbox" for s in m.SENDER_SERVICE},
    "Job": {f"portfolio-{s}-migrate" for s in m.SENDER_SERVICE},
}


def _containers_ok(doc: dict[str, Any]) -> bool:
    return bool(m.containers(doc))


def check_inventory(manifests: m.Manifests, iam: dict[str, Any]) -> list[str]:
    problems = []
    for kind, names in EXPECTED.items():
        found = {n for n, d in manifests.items() if m.kind(d) == kind}
        problems += [f"{kind} {n} is missing" for n in sorted(names - found)]
    for name, doc in manifests.items():
        expected = m.KINDS.get(m.kind(doc))
        if expected is None:
            problems.append(f"{name}: unknown kind {m.kind(doc)!r}")
            continue
        if doc.get("apiVersion") != expected[0]:
            problems.append(
                f"{name}: apiVersion {doc.get('apiVersion')!r}, {m.kind(doc)} needs {expected[0]!r}"
            )
        if doc["__file__"].stem != name:
            problems.append(f"{name}: lives in {doc['__file__'].name}; the file must be named after it")
        if not _containers_ok(doc):
            problems.append(f"{name}: no container")
    return problems


def _http_get(container: dict[str, Any], probe: str) -> dict[str, Any]:
    return dict((container.get(probe) or {}).get("httpGet") or {})


def check_probes(manifests: m.Manifests, iam: dict[str, Any]) -> list[str]:
    """The APIs start on /ready and live on /health, on the port the image listens on."""
    problems = []
    for name, doc in manifests.items():
        if m.kind(doc) != "Service":
            continue
        for c in m.containers(doc):
            ports = [int(p["containerPort"]) for p in c.get("ports") or []]
            built = m.built_images().get(m.image_name(c))
            if built and ports and ports[0] not in built.dockerfile.exposed_ports(built.stage):
                problems.append(f"{name}: containerPort {ports[0]} is not a port its image exposes")
            for probe, path in (("startupProbe", "/ready"), ("livenessProbe", "/health")):
                get = _http_get(c, probe)
                if not get:
                    problems.append(f"{name}: no {probe} (HTTP)")
                    continue
                if name in m.API_SERVICES and get.get("path") != path:
                    problems.append(f"{name}: {probe} checks {get.get('path')!r}, not {path}")
                if ports and get.get("port") != ports[0]:
                    problems.append(
                        f"{name}: {probe} calls port {get.get('port')}, the container listens on {ports[0]}"
                    )
    return problems


def check_scaling(manifests: m.Manifests, iam: dict[str, Any]) -> list[str]:
    problems = []
    for name, doc in manifests.items():
        for c in m.containers(doc):
            limits = (c.get("resources") or {}).get("limits") or {}
            if not {"cpu", "memory"} <= set(limits):
                problems.append(f"{name}: container {c.get('name')} has no cpu and memory limits")
        if m.kind(doc) == "Service":
            low, high = m.scale_bounds(doc)
            if low is None or high is None or low > high or high < 1:
                problems.append(f"{name}: needs minScale <= maxScale (>= 1) annotations, has {low}, {high}")
            if int(m.pod_spec(doc).get("containerConcurrency") or 0) < 1:
                problems.append(f"{name}: no containerConcurrency")
        elif m.kind(doc) == "WorkerPool":
            found = m.annotations(doc)
            if (
                found.get("run.googleapis.com/scalingMode") != "manual"
                or int(found.get("run.googleapis.com/manualInstanceCount", "0")) < 1
            ):
                problems.append(f"{name}: a worker pool needs manual scaling with at least 1 instance")
    # The scraper runs its jobs after answering 202 (ADR 0008): CPU between requests, always an instance.
    scraper = manifests.get("portfolio-scraper")
    if scraper is not None:
        low, _ = m.scale_bounds(scraper)
        if (
            m.template_annotations(scraper).get("run.googleapis.com/cpu-throttling") != "false"
            or (low or 0) < 1
        ):
            problems.append(
                "portfolio-scraper: jobs run in-process: needs cpu-throttling false and minScale >= 1"
            )
    return problems


def check_service_accounts(manifests: m.Manifests, iam: dict[str, Any]) -> list[str]:
    problems = []
    accounts = iam.get("service_accounts") or {}
    owners: dict[str, str] = {}
    for name, doc in manifests.items():
        account = m.service_account(doc)
        if not account or "@" in account or account not in accounts:
            problems.append(f"{name}: service account {account!r} is not one of infrastructure/iam.yaml")
            continue
        if m.kind(doc) == "Service":
            if account in owners:
                problems.append(f"{name}: shares service account {account} with {owners[account]}")
            owners[account] = name
        sender = m.outbox_sender(doc) or name.removeprefix("portfolio-").removesuffix("-migrate")
        if m.kind(doc) != "Service" and sender in m.SENDER_SERVICE:
            service = manifests.get(m.SENDER_SERVICE[sender])
            if service is not None and m.service_account(service) != account:
                problems.append(f"{name}: acts for {m.SENDER_SERVICE[sender]}, so must run as its account")
    return problems


def check_secrets(manifests: m.Manifests, iam: dict[str, Any]) -> list[str]:
    """Secrets come from Secret Manager, never literals; every secret production insists on is there."""
    problems = []
    secret_names = m.secret_variables()
    for name, doc in manifests.items():
        for c in m.containers(doc):
            for variable, entry in m.env(c).items():
                ref = (entry.get("valueFrom") or {}).get("secretKeyRef")
                if variable in secret_names and not ref:
                    problems.append(f"{name}: {variable} is a literal; secrets come from Secret Manager")
                if ref is not None and not (ref.get("name") and ref.get("key")):
                    problems.append(f"{name}: {variable}'s secretKeyRef needs a name and a key (version)")
        needed = _required_secrets(doc)
        missing = needed - set(m.secret_refs(doc))
        if missing:
            problems.append(f"{name}: production refuses to start without {', '.join(sorted(missing))}")
    return problems


def _required_secrets(doc: dict[str, Any]) -> set[str]:
    sender = m.outbox_sender(doc)
    if sender:
        return m.required_secrets(ServiceSettings) | {f"WEBHOOK_SECRETS_{sender.upper()}", "DATABASE_URL"}
    images = {m.image_name(c) for c in m.containers(doc)}
    needed: set[str] = set()
    for image in images:
        settings = m.settings_classes().get(image)
        if settings is not None:
            needed |= m.required_secrets(settings)
            if image != "analytics":  # analytics keeps everything in Redis
                needed.add("DATABASE_URL")
    return needed


def _accounts_use(manifests: m.Manifests) -> dict[str, dict[str, Any]]:
    """Service account -> what its workloads use: secrets, Cloud SQL, the bucket, whom they call."""
    use: dict[str, dict[str, Any]] = {}
    for doc in manifests.values():
        entry = use.setdefault(m.service_account(doc), {"secrets": set(), "sql": False, "bucket": False})
        entry["secrets"] |= set(m.secret_refs(doc).values())
        entry["sql"] |= "run.googleapis.com/cloudsql-instances" in m.template_annotations(doc)
        volumes = m.pod_spec(doc).get("volumes") or []
        gcs = any((v.get("csi") or {}).get("driver") == "gcsfuse.run.googleapis.com" for v in volumes)
        entry["bucket"] |= gcs or "GCS_BUCKET" in m.plain_env(doc)
    return use


def check_least_privilege(manifests: m.Manifests, iam: dict[str, Any]) -> list[str]:
    """Each account is granted exactly what its workloads use: no secret, database or bucket more or less."""
    problems = []
    accounts = iam.get("service_accounts") or {}
    for account, used in _accounts_use(manifests).items():
        spec = accounts.get(account)
        if spec is None:
            continue  # reported by check_service_accounts
        granted = set(spec.get("secrets") or [])
        for secret in sorted(used["secrets"] - granted):
            problems.append(f"{account}: reads secret {secret} but iam.yaml does not grant it")
        for secret in sorted(granted - used["secrets"]):
            problems.append(f"{account}: is granted secret {secret} that none of its workloads reads")
        has_sql = "roles/cloudsql.client" in (spec.get("roles") or [])
        if used["sql"] != has_sql:
            problems.append(
                f"{account}: Cloud SQL use ({used['sql']}) and roles/cloudsql.client ({has_sql}) disagree"
            )
        if used["bucket"] != bool(spec.get("bucket")):
            problems.append(f"{account}: bucket use ({used['bucket']}) and its bucket role disagree")
    return problems


def _oidc_callers(doc: dict[str, Any]) -> dict[str, str]:
    """Caller name -> service account short name, from OIDC_CALLERS."""
    raw = m.plain_env(doc).get("OIDC_CALLERS", "")
    pairs = [p.split("=", 1) for p in raw.split(",") if "=" in p]
    return {caller.strip(): email.strip().removesuffix(m.SA_SUFFIX) for caller, email in pairs}


def check_ingress(manifests: m.Manifests, iam: dict[str, Any]) -> list[str]:
    """Internal services answer only the accounts their code accepts; callers reach them through the VPC."""
    problems = []
    public = set(iam.get("public_services") or [])
    accounts = iam.get("service_accounts") or {}
    for name, doc in manifests.items():
        if m.kind(doc) != "Service":
            continue
        ingress = m.annotations(doc).get("run.googleapis.com/ingress")
        internal = name in m.INTERNAL_SERVICES
        if internal and ingress != "internal":
            problems.append(f"{name}: ingress {ingress!r}; it must be internal")
        if internal == (name in public):
            problems.append(f"{name}: {'internal but public' if internal else 'public but not'} in iam.yaml")
        if not internal:
            continue
        invokers = {a for a, spec in accounts.items() if name in (spec.get("invokes") or [])}
        callers = set(_oidc_callers(doc).values())
        if invokers != callers:
            problems.append(
                f"{name}: invokers {sorted(invokers)} differ from its OIDC_CALLERS {sorted(callers)}"
            )
    for doc_name, doc in manifests.items():
        if m.kind(doc) == "Job":
            continue  # a migration calls no service
        calls = set(accounts.get(m.service_account(doc), {}).get("invokes") or [])
        egress = m.template_annotations(doc).get("run.googleapis.com/vpc-access-egress")
        if calls & m.INTERNAL_SERVICES and egress != "all-traffic":
            problems.append(
                f"{doc_name}: calls internal services, so its egress must be all-traffic via the VPC"
            )
    analytics = manifests.get("portfolio-analytics")
    if (
        analytics is not None
        and m.template_annotations(analytics).get("run.googleapis.com/sessionAffinity") != "true"
    ):
        problems.append(
            "portfolio-analytics: Socket.IO needs session affinity (run.googleapis.com/sessionAffinity)"
        )
    return problems


#: Public services that only serve files: no rate limit or client address to read behind the proxy.
STATIC_SITES = {"portfolio-frontend"}


def check_trusted_proxies(manifests: m.Manifests, iam: dict[str, Any]) -> list[str]:
    """Every public API reads the client address behind Cloud Run's front end: TRUSTED_PROXY_COUNT=1.

    Without it the rate limits and the admin login throttle see one client, the front end.
    """
    problems = []
    for name in sorted(set(iam.get("public_services") or []) - STATIC_SITES):
        doc = manifests.get(name)
        value = m.plain_env(doc).get("TRUSTED_PROXY_COUNT") if doc is not None else None
        if value != "1":
            problems.append(f"{name}: public behind Cloud Run's front end, so TRUSTED_PROXY_COUNT must be 1")
    return problems


def _env_example_names() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", text, re.M))


def check_environment(manifests: m.Manifests, iam: dict[str, Any]) -> list[str]:
    """Every variable is read by the image and in .env.example; production values where they matter."""
    problems = []
    documented = _env_example_names()
    for name, doc in manifests.items():
        for c in m.containers(doc):
            built = m.built_images().get(m.image_name(c))
            if built is None:
                continue  # reported by check_images
            sources = _image_sources(built.dockerfile)
            command = " ".join(built.dockerfile.cmd(built.stage) or [])
            for variable in m.env(c):
                if variable in THIRD_PARTY_VARIABLES:
                    if THIRD_PARTY_VARIABLES[variable] not in command:
                        problems.append(
                            f"{name}: {variable} is for {THIRD_PARTY_VARIABLES[variable]}, not run here"
                        )
                    continue
                if not reads_variable(variable, sources):
                    problems.append(f"{name}: {variable} is read nowhere in the {built.name} image")
                elif variable not in documented:
                    problems.append(f"{name}: {variable} is not in .env.example")
        values = m.plain_env(doc)
        if name != "portfolio-frontend" and values.get("ENVIRONMENT") != "production":
            problems.append(f"{name}: ENVIRONMENT must be production")
        if (m.outbox_sender(doc) or name in m.API_SERVICES or name == "portfolio-worker") and values.get(
            "SERVICE_AUTH_MODE"
        ) != "oidc":
            problems.append(f"{name}: SERVICE_AUTH_MODE must be oidc on Cloud Run")
        if {"REDIS_URL", "CHROMA_URL"} & set(values) and "run.googleapis.com/network-interfaces" not in (
            m.template_annotations(doc)
        ):
            problems.append(
                f"{name}: reaches Memorystore or Chroma, which need VPC egress (network-interfaces)"
            )
        if "DATABASE_URL" in m.secret_refs(doc) and "run.googleapis.com/cloudsql-instances" not in (
            m.template_annotations(doc)
        ):
            problems.append(f"{name}: has a DATABASE_URL but no Cloud SQL connection (cloudsql-instances)")
    if m.plain_env(manifests.get("portfolio-scraper", {})).get("SCRAPE_SCHEDULE", None) != "":
        problems.append('portfolio-scraper: SCRAPE_SCHEDULE must be "" (Cloud Scheduler starts the scrape)')
    for name in ("portfolio-docprocessor", "portfolio-worker"):
        if name in manifests and not m.plain_env(manifests[name]).get("GCS_BUCKET"):
            problems.append(f"{name}: uploads are shared through the bucket: GCS_BUCKET must be set")
    return problems


def check_urls(manifests: m.Manifests, iam: dict[str, Any]) -> list[str]:
    """Peer URLs name the right services (and, in oidc mode, the audiences their tokens carry)."""
    expected = {
        "CORE_URL": "https://${CORE_DOMAIN}",
        "SCRAPER_URL": m.RUN_APP.format(name="portfolio-scraper"),
        "ANALYTICS_URL": m.RUN_APP.format(name="portfolio-analytics"),
        "DOCUMENTS_URL": m.RUN_APP.format(name="portfolio-docprocessor"),
    }
    problems = []
    for name, doc in manifests.items():
        values = m.plain_env(doc)
        for variable, url in expected.items():
            if variable in values and values[variable] != url:
                problems.append(f"{name}: {variable}={values[variable]}, expected {url}")
    core = manifests.get("portfolio-backend")
    if core is not None:
        hosts = set(m.plain_env(core).get("ALLOWED_HOSTS", "").split(","))
        needed = {"${CORE_DOMAIN}", "portfolio-backend-${PROJECT_NUMBER}.${REGION}.run.app"}
        for c in m.containers(core):
            for probe in ("startupProbe", "livenessProbe"):
                for header in _http_get(c, probe).get("httpHeaders") or []:
                    if str(header.get("name", "")).lower() == "host":
                        needed.add(str(header["value"]))
        problems += [f"portfolio-backend: ALLOWED_HOSTS lacks {h}" for h in sorted(needed - hosts)]
    return problems


def _deploy_matrix() -> dict[str, dict[str, Any]]:
    """Cloud Run name -> the deploy workflow's entry (services, worker pools and migration jobs)."""
    deploy = yaml.safe_load(m.DEPLOY_WORKFLOW.read_text())
    jobs = deploy["jobs"]
    found = {e["name"]: e for e in jobs["deploy"]["strategy"]["matrix"]["include"]}
    job_name = str(jobs["migrate"]["env"]["JOB"])
    for entry in jobs["migrate"]["strategy"]["matrix"]["include"]:
        name = job_name.replace("${{ matrix.service }}", entry["service"])
        found[name] = {**entry, "kind": "job"}
    return found


def check_images(manifests: m.Manifests, iam: dict[str, Any]) -> list[str]:
    """Images are the deploy workflow's; what it rolls out is what these files create."""
    problems = []
    deployed = _deploy_matrix()
    for name, doc in manifests.items():
        for c in m.containers(doc):
            image = str(c.get("image", ""))
            if not (image.startswith(m.IMAGE_PREFIX) and image.endswith(":${IMAGE_TAG}")):
                problems.append(f"{name}: image {image} is not <registry>/<name>:${{IMAGE_TAG}}")
            elif m.image_name(c) not in m.built_images():
                problems.append(f"{name}: image {m.image_name(c)!r} is built by no deploy.yml job")
        entry = deployed.get(name)
        if entry is None:
            problems.append(f"{name}: the deploy workflow never rolls it out")
            continue
        kind = m.KINDS[m.kind(doc)][1] if m.kind(doc) in m.KINDS else "?"
        argv = [*(m.containers(doc)[0].get("command") or []), *(m.containers(doc)[0].get("args") or [])]
        workflow_argv = [entry["command"], *entry["args"].split(",")] if entry.get("command") else []
        if entry.get("kind") != kind or entry.get("image") != m.image_name(m.containers(doc)[0]):
            problems.append(f"{name}: deploy.yml rolls it out as {entry.get('kind')} {entry.get('image')}")
        elif argv != workflow_argv:
            problems.append(f"{name}: runs {argv}, deploy.yml sets {workflow_argv}")
    problems += [
        f"deploy.yml deploys {n}, which no manifest defines" for n in sorted(set(deployed) - set(manifests))
    ]
    return problems


ALL_CHECKS = (
    check_inventory,
    check_probes,
    check_scaling,
    check_service_accounts,
    check_secrets,
    check_least_privilege,
    check_ingress,
    check_trusted_proxies,
    check_environment,
    check_urls,
    check_images,
)


def check_all(manifests: m.Manifests, iam: dict[str, Any]) -> list[str]:
    return [problem for check in ALL_CHECKS for problem in check(manifests, iam)]
