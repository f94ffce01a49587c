"""Shapes of the papers API: the public paper, the list's query parameters, the bulk answer."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Any

from django.core.validators import RegexValidator
from django.urls import reverse
from rest_framework import serializers

from core_lib.query import QuerySerializer
from papers.models import Paper
from papers.selectors import ORDERINGS, PaperFilters, json_object_sql, sql_literal
from portfolio_shared.schemas import MAX_BULK_PAPERS, PAPER_FIELDS

#: A paper's shared fields (one definition: ``portfolio_shared.schemas.PAPER_FIELDS``) and the owner's
#: ``pinned`` and ``sample`` flags.
PUBLIC_FIELDS = (*PAPER_FIELDS, "pinned", "sample")


class PaperSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """A paper as the public sees it (DESIGN.md's fields plus ``pinned`` and ``sample``, true for the
    sample papers a first run shows; never ``hidden``)."""

    relevance_components = serializers.DictField(child=serializers.FloatField())
    thumbnail = serializers.CharField(
        allow_null=True,
        help_text="Path of the paper's image on core (its proxy of Hugging Face's thumbnail, relative to "
        "core's base URL); null when the paper has none.",
    )

    class Meta:
        model = Paper
        fields = PUBLIC_FIELDS
        read_only_fields = PUBLIC_FIELDS

    def to_representation(self, paper: Paper | Mapping[str, Any]) -> dict[str, Any]:
        # Read-only and flat: building the dict directly is ~10x faster than a field-by-field pass,
        # which matters for pages of 50-200 papers. The output is what the declared fields give.
        # Accepts a model or a ``values(*PUBLIC_FIELDS)`` row (lists skip building models).
        row = paper if isinstance(paper, Mapping) else {name: getattr(paper, name) for name in PUBLIC_FIELDS}
        data = {name: row[name] for name in PUBLIC_FIELDS}
        data["published"] = _iso(row["published"])
        data["updated"] = _iso(row["updated"])
        data["thumbnail"] = thumbnail_path(row["arxiv_id"]) if row["thumbnail"] else None
        return data


@cache
def public_json_sql() -> str:
    """The SQL that writes a paper as :class:`PaperSerializer` does (papers.selectors.PublicRows:
    Postgres writes a list's page): the same fields and values, the thumbnail as core's path that
    serves it (:func:`thumbnail_path`, the same for every id but the id), never the upstream URL."""
    marker = "0000.00000"
    prefix, suffix = thumbnail_path(marker).split(marker)
    thumbnail = (
        f'CASE WHEN "thumbnail" <> \'\' THEN {sql_literal(prefix)} || "arxiv_id" || {sql_literal(suffix)} END'
    )
    return json_object_sql(PUBLIC_FIELDS, {"thumbnail": thumbnail})


def thumbnail_path(arxiv_id: str) -> str:
    """Core's path that serves the paper's thumbnail (never the upstream URL: browsers stay here)."""
    return reverse("paper-thumbnail", kwargs={"arxiv_id": arxiv_id})


def _iso(value: datetime | None) -> str | None:
    """DRF's DateTimeField representation (UTC, ``Z`` suffix)."""
    if value is None:
        return None
    text = value.astimezone(UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


#: Topics, tags and categories are printable: a control character can match none (and no feed holds one).
PRINTABLE = RegexValidator(r"^[^\x00-\x1f\x7f]*$", "Control characters are not allowed.")


def topic_field() -> serializers.CharField:
    return serializers.CharField(
        required=False, max_length=100, validators=[PRINTABLE], help_text="Papers with this topic."
    )


class PaperListQuerySerializer(QuerySerializer):
    """Query parameters of ``GET /api/papers/`` (besides ``page`` and ``page_size``)."""

    search = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Full-text search (title > abstract > authors; quotes, OR and -word work). "
        "When nothing matches, titles within one typo are returned.",
    )
    topic = topic_field()
    category = serializers.CharField(
        required=False,
        max_length=40,
        validators=[PRINTABLE],
        help_text="Papers in this arXiv category (e.g. cs.LG).",
    )
    tag = serializers.CharField(
        required=False, max_length=100, validators=[PRINTABLE], help_text="Papers with this tag."
    )
    source = serializers.ChoiceField(
        required=False, choices=["arxiv", "huggingface", "pwc"], help_text="Papers seen by this source."
    )
    published_after = serializers.DateField(
        required=False, help_text="Papers first published on or after this date (YYYY-MM-DD, UTC)."
    )
    published_before = serializers.DateField(
        required=False,
        help_text="Papers first published before this date (YYYY-MM-DD, UTC; the day itself excluded): "
        "published_after=D&published_before=D+1 is the day D.",
    )
    has_code = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="true: with a GitHub repository."
    )
    ordering = serializers.ChoiceField(
        required=False,
        choices=list(ORDERINGS),
        help_text="Default: search rank when searching, else -relevance. Pinned papers always come first.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        after, before = attrs.get("published_after"), attrs.get("published_before")
        if after is not None and before is not None and before <= after:
            raise serializers.ValidationError(
                {"published_before": ["Must be later than published_after (it is exclusive)."]}
            )
        return attrs

    def to_filters(self) -> PaperFilters:
        return PaperFilters(**self.validated_data)


class PaperFacetsQuerySerializer(PaperListQuerySerializer):
    """Query parameters of ``GET /api/papers/facets/``: the list's filters (no ordering, no page)."""

    ordering = None


class FacetValueSerializer(serializers.Serializer):  # type: ignore[type-arg]
    value = serializers.CharField()
    count = serializers.IntegerField(min_value=1)


class PaperFacetsSerializer(serializers.Serializer):  # type: ignore[type-arg]
    total = serializers.IntegerField(min_value=0, help_text="Visible papers matching the filters.")
    exact = serializers.BooleanField(
        help_text="false: a search or several filters matched more papers than are counted live "
        "(papers.facets.LIVE_CAP + 1); total and the counts are then those of the papers counted."
    )
    topics = FacetValueSerializer(many=True, help_text="The most frequent topics (at most 50), most first.")
    tags = FacetValueSerializer(many=True, help_text="The most frequent tags (at most 30), most first.")
    sources = FacetValueSerializer(many=True, help_text="Sources, most first.")


class PaperFeedQuerySerializer(QuerySerializer):
    """Query parameters of ``GET /api/papers/feed.xml``."""

    topic = topic_field()
    # DRF's format override; declared so that ``?format=`` is refused like any empty value.
    format = serializers.ChoiceField(
        required=False, choices=["atom", "json"], help_text="The answer's format (default: Atom)."
    )


class PapersBulkResultSerializer(serializers.Serializer):  # type: ignore[type-arg]
    created = serializers.IntegerField(min_value=0)
    updated = serializers.IntegerField(min_value=0)
    unchanged = serializers.IntegerField(min_value=0)


BULK_REQUEST_DESCRIPTION = (
    f"portfolio_shared.schemas.PapersBulk: {{'papers': [Paper, ...]}}, at most {MAX_BULK_PAPERS} papers, "
    "each arxiv_id (version-less) once."
)


class SimilarPaperSerializer(PaperSerializer):
    """A similar paper: the public fields plus its cosine ``similarity`` to the paper asked about."""

    similarity = serializers.FloatField()

    class Meta(PaperSerializer.Meta):
        fields = (*PUBLIC_FIELDS, "similarity")
        read_only_fields = fields


class SimilarPapersSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """``GET /api/papers/{arxiv_id}/similar/``: nearest first; ``degraded`` when they could not be
    computed (the document processor down or slow), so the list is empty for now, not for good."""

    results = SimilarPaperSerializer(many=True)
    degraded = serializers.BooleanField()
