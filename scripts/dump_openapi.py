"""Write the OpenAPI schemas the frontend's API types are generated from, without starting a server.

    uv run --no-sync python scripts/dump_openapi.py [OUT_DIR]   # core, analytics (default: frontend/openapi)
    uv run --no-sync python scripts/dump_openapi.py --all OUT_DIR # all four services

Core's schema comes from drf-spectacular's generator (as ``manage.py spectacular`` builds it), the
analytics service's from its FastAPI app. ``npm run api:generate`` runs this, then openapi-typescript;
tests/infra/test_frontend_api_types.py fails when the committed files drift from what this gives.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
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


def scraper_schema() -> dict[str, Any]:
    """The scraper's OpenAPI document, as served at ``/openapi.json``."""
    from portfolio_scraper.main import create_app

    schema: dict[str, Any] = create_app().openapi()
    return schema


def documents_schema() -> dict[str, Any]:
    """The document processor's OpenAPI document, as served at ``/openapi.json``."""
    from portfolio_documents.main import create_app

    schema: dict[str, Any] = create_app().openapi()
    return schema


#: What the SPA's generated client is built from (``npm run api:generate``).
FRONTEND_SCHEMAS = {"core": core_schema, "analytics": analytics_schema}
#: Every service's schema: tests/contracts compares these with its committed snapshots.
ALL_SCHEMAS = {**FRONTEND_SCHEMAS, "scraper": scraper_schema, "documents": documents_schema}


def dump(out_dir: Path, schemas: dict[str, Callable[[], dict[str, Any]]] = FRONTEND_SCHEMAS) -> list[Path]:
    """Write ``<service>.json`` for each of ``schemas`` into ``out_dir``; returns the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, build in schemas.items():
        path = out_dir / f"{name}.json"
        # drf-spectacular's YAML-friendly objects (lazy strings, OrderedDicts) serialise with default=str.
        schema = build()
        text = json.dumps(schema, indent=2, ensure_ascii=False, default=str)
        path.write_text(text + "\n", encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    args = sys.argv[1:]
    every = "--all" in args
    args = [a for a in args if a != "--all"]
    target = Path(args[0]) if args else DEFAULT_OUT
    for path in dump(target, ALL_SCHEMAS if every else FRONTEND_SCHEMAS):
        print(path)
