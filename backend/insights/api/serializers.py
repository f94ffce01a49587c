from __future__ import annotations

from typing import Any

from rest_framework import serializers

from core_lib.query import QuerySerializer
from portfolio_shared.schemas.analytics import (
    DASHBOARD_PERIODS,
    FILTER_KINDS,
    DashboardQueryError,
    parse_day,
    split_filter,
)

#: A bound on the whole ``filter`` parameter: longer than the analytics service's longest stored value
#: with its kind, short enough that a made-up one costs little.
FILTER_MAX_LENGTH = 256


class ScrapeStatusQuery(QuerySerializer):
    job_id = serializers.RegexField(
        r"^[A-Za-z0-9_.:-]+$",
        max_length=100,
        required=False,
        help_text="A scrape job's id; without it, the latest job.",
    )


class AnalyticsSummaryQuery(QuerySerializer):
    """The summary's query, checked as the analytics service checks it (the shared definitions in
    ``portfolio_shared.schemas.analytics``) so a bad one is refused before it costs a call or a cache
    entry. What only the service can judge (a range before its retention, a day in the future, a
    filter value longer than any it stores) comes back as its 422 envelope."""

    period = serializers.RegexField(
        r"^[A-Za-z0-9_-]+$",
        max_length=16,
        required=False,
        help_text=f"A preset: {', '.join(DASHBOARD_PERIODS)} (whole UTC days ending today). Without it "
        "and without `from`, the service's default, 7d. Not together with `from`/`to`.",
    )
    # ``from`` is a Python keyword: declared as ``from_`` and renamed in get_fields().
    from_ = serializers.CharField(
        required=False,
        max_length=10,
        help_text="First UTC day of a custom range, YYYY-MM-DD, within the analytics aggregate retention.",
    )
    to = serializers.CharField(
        required=False,
        max_length=10,
        help_text="Last UTC day of a custom range (inclusive), YYYY-MM-DD, not in the future; default "
        "today. Needs `from`.",
    )
    filter = serializers.CharField(
        required=False,
        max_length=FILTER_MAX_LENGTH,
        help_text="One filter, `<kind>:<value>` split on the first `:`, kind one of "
        f"{', '.join(FILTER_KINDS)}; e.g. `country:DE`. The answer's `unavailable` lists the "
        "panels it does not restrict.",
    )

    def get_fields(self) -> dict[str, serializers.Field]:  # type: ignore[type-arg]
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        fields["to"] = fields.pop("to")  # keep from before to
        fields["filter"] = fields.pop("filter")
        return fields

    def validate_period(self, value: str) -> str:
        if value not in DASHBOARD_PERIODS:
            raise serializers.ValidationError(f"`period` must be one of {', '.join(DASHBOARD_PERIODS)}.")
        return value

    def validate_from(self, value: str) -> str:
        return _day(value, "from")

    def validate_to(self, value: str) -> str:
        return _day(value, "to")

    def validate_filter(self, value: str) -> str:
        try:
            split_filter(value)
        except DashboardQueryError as exc:
            raise serializers.ValidationError(exc.message) from None
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("from"), attrs.get("to")
        if "period" in attrs and (start is not None or end is not None):
            both = "Give either `period` or a `from`/`to` range, not both."
            raise serializers.ValidationError({"period": both})
        if end is not None and start is None:
            raise serializers.ValidationError({"from": "`to` needs a `from` day."})
        if start is not None and end is not None and start > end:
            raise serializers.ValidationError({"from": f"`from` ({start}) is after `to` ({end})."})
        return attrs


def _day(value: str, field: str) -> str:
    try:
        parse_day(value, field)
    except DashboardQueryError as exc:
        raise serializers.ValidationError(exc.message) from None
    return value


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
