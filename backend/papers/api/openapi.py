"""The bulk request body in OpenAPI 3.0 terms, derived from the shared pydantic schema.

pydantic emits JSON Schema 2020-12 (``anyOf: [X, {"type": "null"}]``, ``$defs``); OpenAPI 3.0 wants
``nullable: true`` and inline or component references. Converting keeps one definition of a paper.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return _inline(defs[node["$ref"].rsplit("/", 1)[1]], defs)
    out = {key: _inline(value, defs) for key, value in node.items() if key != "$defs"}
    options = out.get("anyOf")
    if isinstance(options, list) and {"type": "null"} in options:
        rest = [option for option in options if option != {"type": "null"}]
        del out["anyOf"]
        if len(rest) == 1:
            out.update(rest[0])
        else:
            out["anyOf"] = rest
        out["nullable"] = True
    if "const" in out:
        out["enum"] = [out.pop("const")]
    return out


def openapi30_schema(model: type[BaseModel]) -> dict[str, Any]:
    """``model``'s JSON schema with references inlined and null unions turned into ``nullable``."""
    schema = model.model_json_schema()
    result: dict[str, Any] = _inline(schema, schema.get("$defs", {}))
    return result
