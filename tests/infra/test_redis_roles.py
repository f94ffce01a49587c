"""Redis's three roles in the deployments: each workload gets the URL of the role it uses, production
one instance per role, and the eviction policy each role needs is the one the files configure and
docs/operations.md states (``maxmemory`` and the policy belong to an instance, not a db number)."""

from __future__ import annotations

import re

import yaml

from tests.infra import cloudrun_model as m
from tests.infra.compose_model import load
from tests.infra.workspace import ROOT

#: Cloud Run workload -> the Redis role variable it needs, and the production.env host behind it.
CLOUD_RUN_ROLES = {
    "portfolio-analytics": ("ANALYTICS_REDIS_URL", "REDIS_ANALYTICS_HOST"),
    "portfolio-backend": ("CACHE_REDIS_URL", "REDIS_CACHE_HOST"),
    "portfolio-docprocessor": ("CELERY_BROKER_URL", "REDIS_BROKER_HOST"),
    "portfolio-worker": ("CELERY_BROKER_URL", "REDIS_BROKER_HOST"),
}
ROLES = ("CELERY_BROKER_URL", "CACHE_REDIS_URL", "ANALYTICS_REDIS_URL")
#: The policy each role's instance runs with (docs/operations.md, "Redis").
POLICIES = {
    "CELERY_BROKER_URL": "noeviction",
    "CACHE_REDIS_URL": "allkeys-lru",
    "ANALYTICS_REDIS_URL": "noeviction",
}


def test_each_cloud_run_workload_reaches_only_its_own_role() -> None:
    manifests = m.load()
    for name, doc in manifests.items():
        env = m.plain_env(doc)
        assert "REDIS_URL" not in env, f"{name}: one shared REDIS_URL instead of a role's URL"
        wanted = CLOUD_RUN_ROLES.get(name)
        roles = {role for role in ROLES if role in env}
        assert roles == ({wanted[0]} if wanted else set()), name
        if wanted:
            assert env[wanted[0]] == f"redis://${{{wanted[1]}}}:6379/0"


def test_production_has_one_instance_per_role() -> None:
    hosts = dict(
        line.split("=", 1)
        for line in m.ENV_EXAMPLE.read_text().splitlines()
        if re.match(r"REDIS_\w+_HOST=", line)
    )
    assert set(hosts) == {host for _, host in CLOUD_RUN_ROLES.values()}
    assert len(set(hosts.values())) == len(hosts)


def test_kubernetes_sets_every_role() -> None:
    config = next(yaml.safe_load_all((ROOT / "infrastructure/kubernetes/config.yaml").read_text()))
    urls = [config["data"][role] for role in ROLES]
    assert "REDIS_URL" not in config["data"]
    assert len(set(urls)) == len(ROLES)


def test_the_configured_policies_are_the_documented_ones() -> None:
    operations = (ROOT / "docs/operations.md").read_text()
    for role, policy in POLICIES.items():
        row = next(line for line in operations.splitlines() if line.startswith("|") and f"`{role}`" in line)
        assert row.rstrip(" |").endswith(f"`{policy}`"), row
    deployment = (ROOT / "docs/deployment.md").read_text()
    assert "--redis-config=maxmemory-policy=noeviction" in deployment
    assert "--redis-config=maxmemory-policy=allkeys-lru" in deployment
    # Development: one server holds the broker too, so it never evicts either.
    command = load(ROOT / "docker-compose.yml")["services"]["redis"]["command"]
    assert command[command.index("--maxmemory-policy") + 1] == "noeviction"
