"""The papers endpoints are documented, errors included, and the bulk body comes from the shared schema."""

from __future__ import annotations

from drf_spectacular.generators import SchemaGenerator


def test_the_papers_endpoints_and_their_errors_are_documented() -> None:
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    listing = paths["/api/papers/"]["get"]
    assert {"200", "422"} <= set(listing["responses"])
    assert {"search", "topic", "category", "tag", "source", "published_after", "has_code", "ordering"} <= {
        p["name"] for p in listing["parameters"]
    }
    assert "404" in paths["/api/papers/{arxiv_id}/"]["get"]["responses"]
    assert "application/atom+xml" in paths["/api/papers/feed.xml"]["get"]["responses"]["200"]["content"]
    bulk = paths["/api/internal/papers/bulk/"]["post"]
    assert {"200", "401", "403", "422"} <= set(bulk["responses"])
    body = bulk["requestBody"]["content"]["application/json"]["schema"]
    assert body["properties"]["papers"]["maxItems"] == 2000
    assert body["properties"]["papers"]["items"]["properties"]["doi"]["nullable"] is True
