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


def dump(out_dir: Path) -> list[Path]:
    """Write ``core.json`` and ``analytics.json`` into ``out_dir``; returns the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, build in (("core", core_schema), ("analytics", analytics_schema)):
        path = out_dir / f"{name}.json"
        # drf-spectacular's YAML-friendly objects (lazy strings, OrderedDicts) serialise with default=str.
        schema = build()
        text = json.dumps(schema, indent=2, ensure_ascii=False, default=str)
        path.write_text(text + "\n", encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT
    for path in dump(target):
        print(path)
