"""Write the OpenAPI schemas the frontend's API types are generated from, without starting a server.

    uv run --no-sync python scripts/dump_openapi.py [OUT_DIR]   # default frontend/openapi

Core's schema comes from drf-spectacular's generator (as ``manage.py spectacular`` builds it), the
analytics service's from its FastAPI app. ``npm run api:generate`` runs this, then openapi-typescript;
tests/infra/test_frontend_api_types.py fails when the committed files drift from what this gives.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "frontend" / "openapi"


def core_schema() -> dict[str, Any]:
    """Core's OpenAPI 3 document, as served at ``/api/schema/``."""
    sys.path.insert(0, str(ROOT / "backend"))
    # The test settings need no running service; the schema does not depend on the environment.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from drf_spectacular.generators import SchemaGenerator

    schema: dict[str, Any] = SchemaGenerator().get_schema(request=None, public=True)
    return schema


def analytics_schema() -> dict[str, Any]:
    """The analytics service's OpenAPI document, as served at ``/openapi.json``."""
    from portfolio_analytics.main import create_app

    api = create_app().other_asgi_app
    schema: dict[str, Any] = api.openapi()
    return schema


def drop_dangling_mappings(node: Any, root: dict[str, Any]) -> Any:
    """Remove discriminator mappings whose target is not in the document.

    A pydantic JSON schema inlined into an OpenAPI body keeps ``discriminator.mapping`` values such
    as ``#/$defs/ClickIn`` after its ``$defs`` are substituted; openapi-typescript refuses such a
    document. The mapping only names the variants the ``oneOf`` already lists, so nothing is lost.
    """
    if isinstance(node, dict):
        discriminator = node.get("discriminator")
        mapping = discriminator.get("mapping") if isinstance(discriminator, dict) else None
        if isinstance(discriminator, dict) and isinstance(mapping, dict):
            kept = {key: ref for key, ref in mapping.items() if _resolves(root, ref)}
            if kept:
                discriminator["mapping"] = kept
            else:
                discriminator.pop("mapping")
        for value in node.values():
            drop_dangling_mappings(value, root)
    elif isinstance(node, list):
        for item in node:
            drop_dangling_mappings(item, root)
    return node


def _resolves(root: dict[str, Any], ref: object) -> bool:
    if not isinstance(ref, str) or not ref.startswith("#/"):
        return False
    node: Any = root
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def dump(out_dir: Path) -> list[Path]:
    """Write ``core.json`` and ``analytics.json`` into ``out_dir``; returns the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, build in (("core", core_schema), ("analytics", analytics_schema)):
        path = out_dir / f"{name}.json"
        # drf-spectacular's YAML-friendly objects (lazy strings, OrderedDicts) serialise with default=str.
        schema = build()
        drop_dangling_mappings(schema, schema)
        text = json.dumps(schema, indent=2, ensure_ascii=False, default=str)
        path.write_text(text + "\n", encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT
    for path in dump(target):
        print(path)
