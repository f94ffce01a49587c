"""The Kubernetes NetworkPolicies allow exactly the flows of docs/architecture.md's table "Flows
between processes": default-deny in both directions, every row allowed, nothing else. An in-cluster
flow counts only when the caller's egress and the callee's ingress both allow it.

Peers outside the cluster are named as the table names them: ``ingress controller`` (its namespace),
``dns`` (kube-dns), ``postgres`` and ``redis`` (private addresses on 5432 / 6379 or 6378) and ``internet``
(anywhere but private ranges).
"""

from __future__ import annotations

import copy
import ipaddress
import re
from typing import Any

import pytest

from tests.infra import kubernetes_checks as k8s
from tests.infra.workspace import ROOT

ARCHITECTURE = ROOT / "docs" / "architecture.md"
HEADING = "## Flows between processes"
Flow = tuple[str, str, int]
_BY_PORT = {5432: "postgres", 6379: "redis", 6378: "redis", 53: "dns"}


def table_flows(markdown: str) -> set[Flow]:
    """(from, to, port) of every row of the flows table; a row may list several sources and ports."""
    section = markdown.split(HEADING, 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")][2:]  # header, rule
    flows = set()
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        sources, target, ports = cells[0], cells[1], cells[2]
        for source in sources.split(","):
            for port in re.findall(r"\d+", ports):
                flows.add((source.strip(), target, int(port)))
    return flows


def _workloads(selector: dict[str, Any]) -> list[str]:
    labels = selector.get("matchLabels") or {}
    if "app.kubernetes.io/name" in labels:
        return [labels["app.kubernetes.io/name"]]
    for expression in selector.get("matchExpressions") or []:
        if expression["key"] == "app.kubernetes.io/name" and expression["operator"] == "In":
            names = list(expression["values"])
            return ["migrations"] if all(n.endswith("-migrate") for n in names) else names
    return []


def _peer(peer: dict[str, Any], port: int) -> str:
    """The table's name for a policy peer."""
    if "ipBlock" in peer:
        network = ipaddress.ip_network(peer["ipBlock"]["cidr"])
        if network.prefixlen == 0:
            return "internet"
        return _BY_PORT.get(port, f"private:{network}")
    if "podSelector" in peer and "namespaceSelector" in peer:
        labels = peer["podSelector"].get("matchLabels") or {}
        return "dns" if labels.get("k8s-app") == "kube-dns" else f"pods:{labels}"
    if "namespaceSelector" in peer:
        name = (peer["namespaceSelector"].get("matchLabels") or {}).get("kubernetes.io/metadata.name")
        return "ingress controller" if name == "ingress-nginx" else f"namespace:{name}"
    return "/".join(_workloads(peer["podSelector"])) or "?"


def _rules(rules: list[dict[str, Any]], key: str) -> set[tuple[str, int]]:
    found = set()
    for rule in rules:
        ports = [int(p["port"]) for p in rule.get("ports") or []]
        for peer in rule.get(key) or []:
            for port in ports:
                found.add((_peer(peer, port), port))
    return found


def policy_flows(resources: list[k8s.Resource]) -> tuple[set[Flow], list[str]]:
    """The flows the policies allow, and what is wrong with them (no default-deny, half-open flows)."""
    policies = [r for r in resources if r.get("kind") == "NetworkPolicy"]
    problems = []
    if not any(
        p["spec"].get("podSelector") == {}
        and set(p["spec"].get("policyTypes") or []) == {"Ingress", "Egress"}
        and not p["spec"].get("ingress")
        and not p["spec"].get("egress")
        for p in policies
    ):
        problems.append("no default-deny policy for both directions")
    egress: set[Flow] = set()
    ingress: set[Flow] = set()
    for policy in policies:
        spec = policy["spec"]
        for workload in _workloads(spec.get("podSelector") or {}):
            egress |= {(workload, peer, port) for peer, port in _rules(spec.get("egress") or [], "to")}
            ingress |= {(peer, workload, port) for peer, port in _rules(spec.get("ingress") or [], "from")}
    workloads = {w for p in policies for w in _workloads(p["spec"].get("podSelector") or {})}
    flows = set()
    for flow in egress | ingress:
        source, target, _ = flow
        if source in workloads and target in workloads:
            if flow in egress and flow in ingress:
                flows.add(flow)
            else:
                side = "ingress" if flow in egress else "egress"
                problems.append(f"{source} -> {target}:{flow[2]} lacks the {side} half")
        else:
            flows.add(flow)
    return flows, problems


@pytest.fixture(scope="module")
def resources() -> list[k8s.Resource]:
    return k8s.load()


@pytest.fixture(scope="module")
def documented() -> set[Flow]:
    return table_flows(ARCHITECTURE.read_text())


def test_the_policies_allow_exactly_the_documented_flows(
    resources: list[k8s.Resource], documented: set[Flow]
) -> None:
    allowed, problems = policy_flows(resources)
    assert problems == []
    assert sorted(allowed - documented) == [], "allowed but not in docs/architecture.md"
    assert sorted(documented - allowed) == [], "documented but not allowed"


def test_every_workload_has_its_policy(resources: list[k8s.Resource]) -> None:
    selected = {
        w for r in resources if r.get("kind") == "NetworkPolicy" for w in _workloads(r["spec"]["podSelector"])
    }
    assert set(k8s.WORKLOADS) | {"frontend", "migrations"} <= selected


def test_the_policies_are_deployed(resources: list[k8s.Resource]) -> None:
    kustomization = next(
        r for r in resources if r.get("kind") == "Kustomization" and r["__file__"].parent == k8s.KUBERNETES
    )
    assert "network-policies.yaml" in kustomization["resources"]


# -- the check notices what it is for ---------------------------------------------------------------
def _policy(resources: list[k8s.Resource], name: str) -> dict[str, Any]:
    return next(r for r in resources if r.get("kind") == "NetworkPolicy" and r["metadata"]["name"] == name)


def test_an_undocumented_flow_is_reported(resources: list[k8s.Resource], documented: set[Flow]) -> None:
    broken = copy.deepcopy(resources)
    _policy(broken, "analytics")["spec"]["egress"].append(
        {"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"protocol": "TCP", "port": 443}]}
    )
    allowed, _ = policy_flows(broken)
    assert allowed - documented == {("analytics", "internet", 443)}


def test_a_half_open_flow_is_reported(resources: list[k8s.Resource]) -> None:
    broken = copy.deepcopy(resources)
    chroma = _policy(broken, "chroma")["spec"]
    chroma["ingress"] = [rule for rule in chroma["ingress"] if "worker" not in str(rule)]
    _, problems = policy_flows(broken)
    assert problems == ["worker -> chroma:8000 lacks the ingress half"]


def test_a_documented_flow_missing_from_the_policies_is_reported(resources: list[k8s.Resource]) -> None:
    text = ARCHITECTURE.read_text().replace(
        "| core | analytics | 8002 |", "| core | analytics | 8002, 9100 |"
    )
    allowed, _ = policy_flows(resources)
    assert table_flows(text) - allowed == {("core", "analytics", 9100)}
