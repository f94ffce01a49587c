"""Which changes between two OpenAPI documents would break a caller written against the older one.

``breaking_changes(old, new)`` lists them, one readable line each; an empty list means ``new`` only
adds to ``old``. The rules, by direction of travel:

* **Operations.** Every path and method of ``old`` is still in ``new``, and every response status
  it documented.
* **Parameters** (path, query, header). None of ``old``'s is gone; none is newly required (a new
  optional one is fine); a parameter's schema is not narrowed (the request rules below).
* **Requests** (what a caller sends). No field is removed, no field becomes required, and no type
  is narrowed: the set of JSON types a value may have only grows (``integer`` counts as inside
  ``number``), an enum only gains values, and ``minimum``/``maximum``/``minLength``/``maxLength``/
  ``maxItems`` are not tightened.
* **Responses** (what a caller reads). No field is removed, a required field stays required, and no
  type is widened: the set of JSON types only shrinks, an enum only loses values.

Schemas are compared after following ``$ref``s into each document's own ``components``, so renaming a
component or inlining it is not a change; ``anyOf``/``oneOf`` members are read as one union and
``allOf`` members as one merged object.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Schema = Mapping[str, Any]
Direction = Literal["request", "response"]

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
_JSON = "application/json"
_ANY = frozenset({"any"})
#: Bounds whose tightening rejects a request that was valid before: (keyword, larger-is-looser).
_BOUNDS = (
    ("maximum", True),
    ("maxLength", True),
    ("maxItems", True),
    ("minimum", False),
    ("minLength", False),
)


@dataclass
class Shape:
    """A schema flattened for comparison: its JSON types, enum, bounds, fields and element shapes."""

    types: frozenset[str]
    enum: frozenset[Any] | None = None
    bounds: dict[str, Any] = field(default_factory=dict)
    properties: dict[str, Schema] = field(default_factory=dict)
    required: frozenset[str] = frozenset()
    items: Schema | None = None


def _resolve(doc: Schema, schema: Schema) -> Schema:
    seen = set()
    while "$ref" in schema:
        ref = schema["$ref"]
        if ref in seen or not ref.startswith("#/"):
            break
        seen.add(ref)
        target: Any = doc
        for part in ref[2:].split("/"):
            target = target[part]
        schema = target
    return schema


def _shape(doc: Schema, schema: Schema) -> Shape:
    schema = _resolve(doc, schema)
    members = [*schema.get("anyOf", ()), *schema.get("oneOf", ())]
    if members:
        parts = [_shape(doc, m) for m in members]
        types = frozenset().union(*(p.types for p in parts))
        enums = [p.enum for p in parts]
        enum = None if any(e is None for e in enums) else frozenset().union(*(e or () for e in enums))
        merged = Shape(types=types, enum=enum)
        for p in parts:
            merged.properties.update(p.properties)
            merged.required |= p.required
            merged.items = merged.items or p.items
            merged.bounds.update(p.bounds)
        return _nullable(schema, merged)
    shape = Shape(types=_types(schema))
    for member in schema.get("allOf", ()):
        part = _shape(doc, member)
        shape.properties.update(part.properties)
        shape.required |= part.required
        if part.types != _ANY:
            shape.types = part.types if shape.types == _ANY else shape.types & part.types
    if "enum" in schema:
        shape.enum = frozenset(_hashable(v) for v in schema["enum"])
    elif "const" in schema:
        shape.enum = frozenset({_hashable(schema["const"])})
    shape.bounds.update({k: schema[k] for k, _ in _BOUNDS if k in schema})
    shape.properties.update(schema.get("properties", {}))
    shape.required |= frozenset(schema.get("required", ()))
    shape.items = schema.get("items", shape.items)
    return _nullable(schema, shape)


def _types(schema: Schema) -> frozenset[str]:
    declared = schema.get("type")
    if declared is None:
        return frozenset({"object"}) if "properties" in schema else _ANY
    return frozenset([declared] if isinstance(declared, str) else declared)


def _nullable(schema: Schema, shape: Shape) -> Shape:
    if schema.get("nullable"):  # OpenAPI 3.0's spelling of "or null"
        shape.types = shape.types | {"null"}
    return shape


def _hashable(value: Any) -> Any:
    return repr(value) if isinstance(value, (dict, list)) else value


def _covers(wide: frozenset[str], narrow: frozenset[str]) -> bool:
    """Whether every type in ``narrow`` is a type of ``wide``."""
    if "any" in wide:
        return True
    return all(t in wide or (t == "integer" and "number" in wide) for t in narrow)


def schema_changes(
    old_doc: Schema,
    old: Schema,
    new_doc: Schema,
    new: Schema,
    where: str,
    direction: Direction,
    *,
    lenient: bool = False,
    seen: set[Any] | None = None,
) -> Iterator[str]:
    """The breaking changes from schema ``old`` (its ``$ref``s into ``old_doc``) to ``new`` for a
    value travelling in ``direction``. ``lenient``: an optional response field may be missing from
    ``new`` (a client model that reads a field only when present)."""
    seen = set() if seen is None else seen
    key = (id(_resolve(old_doc, old)), id(_resolve(new_doc, new)))
    if key in seen:  # a recursive schema compared once
        return
    seen.add(key)
    was, now = _shape(old_doc, old), _shape(new_doc, new)
    if direction == "request":
        if not _covers(now.types, was.types):
            yield f"{where}: type narrowed from {sorted(was.types)} to {sorted(now.types)}"
        if now.enum is not None and (was.enum is None or not was.enum <= now.enum):
            lost = sorted(map(str, (was.enum or {"<any>"}) - now.enum))
            yield f"{where}: enum narrowed (no longer accepts {lost})"
        for bound, larger_is_looser in _BOUNDS:
            if bound in now.bounds and (
                bound not in was.bounds
                or (
                    now.bounds[bound] < was.bounds[bound]
                    if larger_is_looser
                    else now.bounds[bound] > was.bounds[bound]
                )
            ):
                yield f"{where}: {bound} tightened from {was.bounds.get(bound)} to {now.bounds[bound]}"
        for name in sorted(now.required - was.required):
            yield f"{where}: field {name!r} is newly required"
    else:
        if not _covers(was.types, now.types):
            yield f"{where}: type widened from {sorted(was.types)} to {sorted(now.types)}"
        if was.enum is not None and (now.enum is None or not now.enum <= was.enum):
            gained = sorted(map(str, (now.enum or {"<any>"}) - was.enum))
            yield f"{where}: enum widened (may now answer {gained})"
        for name in sorted(was.required - now.required):
            yield f"{where}: field {name!r} is no longer always present"
    for name, sub in was.properties.items():
        if name not in now.properties:
            if not (lenient and direction == "response" and name not in was.required):
                yield f"{where}: field {name!r} removed"
        else:
            where_sub = f"{where}.{name}"
            yield from schema_changes(
                old_doc, sub, new_doc, now.properties[name], where_sub, direction, lenient=lenient, seen=seen
            )
    if was.items is not None and now.items is not None:
        yield from schema_changes(
            old_doc, was.items, new_doc, now.items, f"{where}[]", direction, lenient=lenient, seen=seen
        )


def _json_schema(doc: Schema, container: Schema | None) -> Schema | None:
    if not container:
        return None
    content = _resolve(doc, container).get("content", {})
    media = content.get(_JSON) or next(iter(content.values()), None)
    return None if media is None else media.get("schema")


def _parameters(doc: Schema, path_item: Schema, op: Schema) -> dict[tuple[str, str], Schema]:
    params = {}
    for raw in [*path_item.get("parameters", ()), *op.get("parameters", ())]:
        param = _resolve(doc, raw)
        params[(param["in"], param["name"])] = param
    return params


def breaking_changes(old: Schema, new: Schema) -> list[str]:
    """Every change from ``old`` to ``new`` (two OpenAPI documents) that breaks an existing caller."""
    problems: list[str] = []
    for path, old_item in old.get("paths", {}).items():
        new_item = new.get("paths", {}).get(path)
        if new_item is None:
            problems.append(f"{path}: path removed")
            continue
        for method in METHODS:
            if method not in old_item:
                continue
            name = f"{method.upper()} {path}"
            if method not in new_item:
                problems.append(f"{name}: operation removed")
                continue
            problems.extend(
                _operation(old, old_item, old_item[method], new, new_item, new_item[method], name)
            )
    return problems


def _operation(
    old: Schema, old_item: Schema, old_op: Schema, new: Schema, new_item: Schema, new_op: Schema, name: str
) -> Iterator[str]:
    was_params, now_params = _parameters(old, old_item, old_op), _parameters(new, new_item, new_op)
    for key, param in was_params.items():
        where = f"{name} {key[0]} parameter {key[1]!r}"
        if key not in now_params:
            yield f"{where} removed"
            continue
        if now_params[key].get("required") and not param.get("required"):
            yield f"{where} is newly required"
        if "schema" in param and "schema" in now_params[key]:
            yield from schema_changes(old, param["schema"], new, now_params[key]["schema"], where, "request")
    for key, param in now_params.items():
        if key not in was_params and param.get("required"):
            yield f"{name} {key[0]} parameter {key[1]!r} added as required"
    was_body, now_body = (
        _json_schema(old, old_op.get("requestBody")),
        _json_schema(new, new_op.get("requestBody")),
    )
    if was_body is None and now_body is not None and new_op["requestBody"].get("required"):
        yield f"{name}: a request body is newly required"
    if was_body is not None:
        if now_body is None:
            yield f"{name}: request body removed"
        else:
            yield from schema_changes(old, was_body, new, now_body, f"{name} request", "request")
    new_responses = new_op.get("responses", {})
    for status, response in old_op.get("responses", {}).items():
        if status not in new_responses:
            yield f"{name}: response {status} removed"
            continue
        was_schema, now_schema = _json_schema(old, response), _json_schema(new, new_responses[status])
        if was_schema is not None and now_schema is None:
            yield f"{name}: response {status} lost its body schema"
        elif was_schema is not None and now_schema is not None:
            yield from schema_changes(
                old, was_schema, new, now_schema, f"{name} response {status}", "response"
            )
