"""drf-spectacular postprocessing: errors documented with the envelope; pydantic schemas made OAS 3.0.

Views declare the errors particular to them (``404``, ``503`` ...), often with a description only;
this hook adds the ``ErrorEnvelope`` component, gives every 4xx/5xx response that body, and adds
the errors every operation can answer: 500 always, 404 with path parameters, 400/422 with a request
body, 422 with query parameters, 401/403 when the operation requires authentication, 429 on public
reads (``core_lib.ratelimit``).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from core_lib.ratelimit import is_public_read
from portfolio_shared.errors import ErrorEnvelope

ENVELOPE = "ErrorEnvelope"
ENVELOPE_REF = {"$ref": f"#/components/schemas/{ENVELOPE}"}
_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
_DESCRIPTIONS = {
    "400": "Malformed request (error envelope).",
    "401": "Authentication required or failed (error envelope).",
    "403": "Not allowed (error envelope).",
    "404": "Not found (error envelope).",
    "422": "The request did not validate (error envelope).",
    "429": "Too many reads from this client address; wait Retry-After seconds (error envelope).",
    "500": "Unexpected error (error envelope).",
}


class ServiceTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """Documents ``ServiceTokenAuthentication`` (registered on import; config/urls.py imports this)."""

    target_class = "portfolio_shared.auth.drf.ServiceTokenAuthentication"
    name = "serviceToken"

    def get_security_definition(self, auto_schema: object) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "A service token: EdDSA or ES256 JWT (iss = calling service, aud = core), "
            "or a Google ID token in oidc mode.",
        }


def _is_error(status: str) -> bool:
    return status[:1] in {"4", "5"}


def _envelope_schemas() -> dict[str, Any]:
    schema = ErrorEnvelope.model_json_schema(ref_template="#/components/schemas/{model}")
    components: dict[str, Any] = schema.pop("$defs", {})
    schema["description"] = 'Every error body: {"error": {"code", "message", "details"}}.'
    components[ENVELOPE] = schema
    return components


def _expected_errors(path: str, method: str, operation: dict[str, Any]) -> list[str]:
    params = operation.get("parameters", [])
    expected = ["500"]
    if is_public_read(method, path):
        expected.append("429")
    if any(p.get("in") == "path" for p in params):
        expected.append("404")
    if "requestBody" in operation:
        expected += ["400", "422"]
    if any(p.get("in") == "query" for p in params):
        expected.append("422")
    if any(requirement for requirement in operation.get("security", [])):
        expected += ["401", "403"]
    return expected


def document_error_responses(
    result: dict[str, Any], generator: object, request: object, public: bool
) -> dict[str, Any]:
    """The hook (``SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]``)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in _envelope_schemas().items():
        schemas.setdefault(name, schema)
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in _METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for status in _expected_errors(path, method, operation):
                responses.setdefault(status, {"description": _DESCRIPTIONS[status]})
            for status, response in responses.items():
                if _is_error(str(status)):
                    response.setdefault("description", "Error (error envelope).")
                    response["content"] = {"application/json": {"schema": ENVELOPE_REF}}
            if "429" in responses:
                responses["429"].setdefault("headers", {"Retry-After": _RETRY_AFTER})
    return result


_RETRY_AFTER = {"schema": {"type": "integer", "minimum": 1}, "description": "Seconds to wait."}
_NULL = {"type": "null"}


def _oas30(node: Any) -> Any:
    if isinstance(node, list):
        return [_oas30(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = dict(node)
    for key in ("anyOf", "oneOf"):
        options = node.get(key)
        if isinstance(options, list) and _NULL in options:
            rest = [option for option in node.pop(key) if option != _NULL]
            if len(rest) == 1 and "$ref" in rest[0]:
                node["allOf"] = rest  # OAS 3.0 ignores siblings of a bare $ref
            elif len(rest) == 1:
                node = {**rest[0], **node}
            elif rest:
                node[key] = rest
            node["nullable"] = True
    # JSON Schema's list of examples is one `example` in OAS 3.0, kept as it is (it is data, not schema).
    examples = node.pop("examples") if isinstance(node.get("examples"), list) else None
    node = {key: _oas30(value) for key, value in node.items()}
    if examples:
        node["example"] = examples[0]
    if node.get("type") == "null":
        del node["type"]
        node["nullable"] = True
    if "const" in node:
        node["enum"] = [node.pop("const")]
    return node


def pydantic_schemas_to_oas30(
    result: dict[str, Any], generator: object, request: object, public: bool
) -> dict[str, Any]:
    """Hook: pydantic JSON Schema (``anyOf [X, null]``, ``const``, ``examples``) in OAS 3.0 terms
    (``nullable``, ``enum``, ``example``).

    Response models shared with the other services (``portfolio_shared.schemas``) are documented
    from pydantic; drf-spectacular copies their JSON Schema as is, which OAS 3.0 validators refuse.
    """
    schemas = result.get("components", {}).get("schemas", {})
    for name, schema in schemas.items():
        schemas[name] = _oas30(schema)
    return result
