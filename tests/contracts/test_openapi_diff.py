"""The rules of tests/contracts/openapi_diff.py on small crafted documents: additions pass, each kind
of breaking change is reported."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.contracts.openapi_diff import breaking_changes


def _doc() -> dict[str, Any]:
    item = {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "score": {"type": "number"},
            "tags": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["id", "score"],
    }
    request = {
        "type": "object",
        "properties": {
            "query": {"type": "string", "maxLength": 500},
            "k": {"type": "integer", "maximum": 50},
            "mode": {"type": "string", "enum": ["a", "b"]},
        },
        "required": ["query"],
    }
    return {
        "openapi": "3.1.0",
        "paths": {
            "/search": {
                "post": {
                    "parameters": [
                        {"in": "query", "name": "debug", "required": False, "schema": {"type": "boolean"}}
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Req"}}},
                    },
                    "responses": {
                        "200": {
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Item"},
                                    }
                                }
                            }
                        },
                        "422": {"content": {"application/json": {"schema": {"type": "object"}}}},
                    },
                }
            }
        },
        "components": {"schemas": {"Req": request, "Item": item}},
    }


def _changed(edit: Any) -> list[str]:
    new = copy.deepcopy(_doc())
    edit(new)
    return breaking_changes(_doc(), new)


def _op(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["paths"]["/search"]["post"]


def _schemas(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["components"]["schemas"]


def test_a_document_is_compatible_with_itself() -> None:
    assert breaking_changes(_doc(), _doc()) == []


def _add_everything(doc: dict[str, Any]) -> None:
    doc["paths"]["/other"] = {"get": {"responses": {"200": {}}}}
    _op(doc)["responses"]["404"] = {"content": {}}
    _op(doc)["parameters"].append(
        {"in": "query", "name": "trace", "required": False, "schema": {"type": "string"}}
    )
    _schemas(doc)["Req"]["properties"]["filters"] = {"type": "object"}  # optional request field
    _schemas(doc)["Req"]["properties"]["mode"]["enum"].append("c")  # a request accepts more
    _schemas(doc)["Req"]["properties"]["k"]["maximum"] = 100  # looser bound
    _schemas(doc)["Req"]["properties"]["k"]["type"] = "number"  # integer -> number is wider
    _schemas(doc)["Item"]["properties"]["vector_score"] = {"type": ["number", "null"]}  # a new response field
    # Renamed component: references follow it, so it is the same schema.
    _schemas(doc)["Hit"] = _schemas(doc).pop("Item")
    _op(doc)["responses"]["200"]["content"]["application/json"]["schema"]["items"]["$ref"] = (
        "#/components/schemas/Hit"
    )


def test_additions_and_loosened_requests_pass() -> None:
    assert _changed(_add_everything) == []


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda d: d["paths"].pop("/search"), "/search: path removed"),
        (
            lambda d: d["paths"]["/search"].update(get=d["paths"]["/search"].pop("post")),
            "POST /search: operation removed",
        ),
        (lambda d: _op(d)["responses"].pop("422"), "POST /search: response 422 removed"),
        (
            lambda d: _schemas(d)["Item"]["properties"].pop("score"),
            "POST /search response 200[]: field 'score' removed",
        ),
        (
            lambda d: _schemas(d)["Item"]["required"].remove("score"),
            "POST /search response 200[]: field 'score' is no longer always present",
        ),
        (
            lambda d: _schemas(d)["Item"]["properties"]["score"].update(type=["number", "null"]),
            "POST /search response 200[].score: type widened from ['number'] to ['null', 'number']",
        ),
        (
            lambda d: _schemas(d)["Item"]["properties"]["tags"]["items"].update(type="integer"),
            "POST /search response 200[].tags[]: type widened from ['string'] to ['integer']",
        ),
        (
            lambda d: _schemas(d)["Req"]["properties"]["k"].update(type="string"),
            "POST /search request.k: type narrowed from ['integer'] to ['string']",
        ),
        (
            lambda d: _schemas(d)["Req"]["required"].append("k"),
            "POST /search request: field 'k' is newly required",
        ),
        (
            lambda d: _schemas(d)["Req"]["properties"]["mode"]["enum"].remove("b"),
            "POST /search request.mode: enum narrowed (no longer accepts ['b'])",
        ),
        (
            lambda d: _schemas(d)["Req"]["properties"]["query"].update(maxLength=100),
            "POST /search request.query: maxLength tightened from 500 to 100",
        ),
        (
            lambda d: _op(d)["parameters"][0].update(required=True),
            "POST /search query parameter 'debug' is newly required",
        ),
        (
            lambda d: _op(d)["parameters"].append({"in": "query", "name": "page", "required": True}),
            "POST /search query parameter 'page' added as required",
        ),
        (lambda d: _op(d).pop("requestBody"), "POST /search: request body removed"),
    ],
)
def test_each_breaking_change_is_reported(edit: Any, expected: str) -> None:
    assert _changed(edit) == [expected]


def test_openapi_3_0_nullable_counts_as_a_null_type() -> None:
    def nullable(d: dict[str, Any]) -> None:
        _schemas(d)["Item"]["properties"]["id"]["nullable"] = True

    assert _changed(nullable) == [
        "POST /search response 200[].id: type widened from ['string'] to ['null', 'string']"
    ]
