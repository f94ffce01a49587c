"""Analytics settings: DESIGN.md's variables and their defaults."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from portfolio_analytics.config import AnalyticsSettings
from portfolio_analytics.events.geo import packaged_database


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GEOIP_DB_PATH", "TRUSTED_PROXY_COUNT", "ANALYTICS_DASHBOARD_PUBLIC"):
        monkeypatch.delenv(name, raising=False)
    settings = AnalyticsSettings()
    assert settings.service_name == "analytics"
    assert settings.geoip_db_path == packaged_database()
    assert settings.trusted_proxy_count == 0
    assert settings.analytics_dashboard_public is False


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRUSTED_PROXY_COUNT", "2")
    monkeypatch.setenv("ANALYTICS_DASHBOARD_PUBLIC", "true")
    monkeypatch.setenv("RAW_EVENT_RETENTION_DAYS", "7")
    monkeypatch.setenv("GEOIP_DB_PATH", "/data/country.mmdb")
    settings = AnalyticsSettings()
    assert settings.trusted_proxy_count == 2
    assert settings.analytics_dashboard_public is True
    assert settings.raw_event_retention_days == 7
    assert settings.geoip_db_path == "/data/country.mmdb"


@pytest.mark.parametrize(
    ("value", "path"), [("", packaged_database()), (" ", packaged_database()), ("off", None)]
)
def test_an_empty_geoip_path_is_the_packaged_file_and_off_is_none(
    monkeypatch: pytest.MonkeyPatch, value: str, path: str | None
) -> None:
    monkeypatch.setenv("GEOIP_DB_PATH", value)
    assert AnalyticsSettings().geoip_db_path == path


def test_negative_proxy_count_is_refused() -> None:
    with pytest.raises(ValidationError):
        AnalyticsSettings(TRUSTED_PROXY_COUNT=-1)
