"""Every operation portfolio_shared.contracts declares exists in its target's OpenAPI schema, with the
same method and path, a request body the target accepts and answers the declared models can read;
every declared webhook receiver is a POST route of its service."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from portfolio_shared.contracts import (
    OPERATIONS,
    WEBHOOK_RECEIVERS,
    Operation,
    operation_for,
    service_audience,
)
from tests.contracts.openapi_diff import schema_changes

CALLS = [(op, target) for op in OPERATIONS for target in op.targets]


def _json_schema(doc: dict[str, Any], container: dict[str, Any]) -> dict[str, Any] | None:
    content = container.get("content", {})
    media = content.get("application/json")
    return None if media is None else media.get("schema")


def _model_doc(model: type[BaseModel], mode: str) -> dict[str, Any]:
    return model.model_json_schema(mode=mode, ref_template="#/$defs/{model}")  # type: ignore[arg-type]


def _operation(schemas: dict[str, dict[str, Any]], op: Operation, target: str) -> dict[str, Any]:
    path_item = schemas[target]["paths"].get(op.path)
    assert path_item is not None, f"{op.name}: {target} has no path {op.path}"
    operation = path_item.get(op.method.lower())
    assert operation is not None, f"{op.name}: {target} serves no {op.method} {op.path}"
    return dict(operation)


@pytest.mark.parametrize(("op", "target"), CALLS, ids=[f"{op.name}@{t}" for op, t in CALLS])
def test_declared_operation_is_served_as_declared(
    current_schemas: dict[str, dict[str, Any]], op: Operation, target: str
) -> None:
    doc = current_schemas[target]
    served = _operation(current_schemas, op, target)
    path_params = {p["name"] for p in served.get("parameters", []) if p.get("in") == "path"}
    assert path_params == set(op.path_params), f"{op.name}: path parameters differ"
    problems: list[str] = []
    if op.request is not None:
        body = served.get("requestBody")
        assert body is not None, f"{op.name}: {target} takes no request body"
        accepted = _json_schema(doc, body)
        assert accepted is not None, f"{op.name}: {target} takes no JSON body"
        sent = _model_doc(op.request, "serialization")
        # What the model lets a caller send must be accepted: the target may only be looser.
        problems += list(schema_changes(sent, sent, doc, accepted, f"{op.name} request", "request"))
    for status, model in op.responses.items():
        answer = served["responses"].get(str(status))
        assert answer is not None, f"{op.name}: {target} documents no {status} answer"
        if model is None:
            continue
        answered = _json_schema(doc, answer)
        assert answered is not None, f"{op.name}: {target}'s {status} answer has no JSON schema"
        read = _model_doc(model, "validation")
        # What the model requires must be answered, with no type the model cannot read.
        problems += list(
            schema_changes(read, read, doc, answered, f"{op.name} {status}", "response", lenient=True)
        )
    assert problems == []


@pytest.mark.parametrize("event_type", sorted(WEBHOOK_RECEIVERS))
def test_declared_webhook_receiver_is_a_post_route_of_its_service(
    current_schemas: dict[str, dict[str, Any]], event_type: str
) -> None:
    receiver = WEBHOOK_RECEIVERS[event_type]
    path_item = current_schemas[receiver.service]["paths"].get(receiver.path, {})
    assert "post" in path_item, f"{receiver.service} has no POST {receiver.path} for {event_type}"


def test_every_operation_has_a_unique_name_and_route() -> None:
    names = [op.name for op in OPERATIONS]
    routes = [(t, op.method, op.path) for op in OPERATIONS for t in op.targets]
    assert len(set(names)) == len(names) and len(set(routes)) == len(routes)


@pytest.mark.parametrize(("op", "target"), CALLS, ids=[f"{op.name}@{t}" for op, t in CALLS])
def test_a_bound_call_reads_back_as_its_operation_and_audience(op: Operation, target: str) -> None:
    # How the outbox reads a stored row (method and filled-in path) back: as this operation and no
    # other, whatever its path values hold (escaped, so a key's ``/`` and ``:`` stay in one segment).
    call = op.bind(**{name: "paper:hep-th/9901001" for name in op.path_params})
    assert operation_for(target, call.method, call.path) is op
    assert operation_for(target, call.method, call.path.lstrip("/")) is op  # rows of raw relative paths
    assert op.token_audience(target) == (op.audience or service_audience(target))


def test_a_route_no_operation_declares_reads_back_as_none() -> None:
    assert operation_for("documents", "POST", "/process/legacy") is None
    assert operation_for("documents", "GET", "/process/text") is None  # declared as a POST only
    assert operation_for("core", "POST", "/process/text") is None  # another service's route
