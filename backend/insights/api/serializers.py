from __future__ import annotations

from rest_framework import serializers

from core_lib.query import QuerySerializer


class ScrapeStatusQuery(QuerySerializer):
    job_id = serializers.RegexField(
        r"^[A-Za-z0-9_.:-]+$",
        max_length=100,
        required=False,
        help_text="A scrape job's id; without it, the latest job.",
    )


class AnalyticsSummaryQuery(QuerySerializer):
    # A short token keeps the cache's key space small; the analytics service decides what it means.
    period = serializers.RegexField(
        r"^[A-Za-z0-9_-]+$",
        max_length=16,
        required=False,
        default="7d",
        help_text="The period the analytics service summarises, e.g. 24h, 7d, 30d.",
    )


class DashboardTokenSerializer(serializers.Serializer):  # type: ignore[type-arg]
    token = serializers.CharField(help_text="A JWT signed by core, iss=core, aud=analytics-dashboard.")
    token_type = serializers.CharField(default="Bearer")
    audience = serializers.CharField()
    expires_in = serializers.IntegerField(help_text="Seconds until it expires.")
    expires_at = serializers.DateTimeField()


class ShareTokenRequestSerializer(serializers.Serializer):  # type: ignore[type-arg]
    share = serializers.CharField(
        max_length=100,
        help_text="The token of an owner-minted share link (the `share` parameter of the link's URL).",
    )
