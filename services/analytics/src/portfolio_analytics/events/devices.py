"""Browser family, operating system and device class of a User-Agent, for the device panels.

ua-parser (the uap-core rules, matched by its native ``ua-parser-rs`` matcher) names the browser
and the OS; the class (``desktop``, ``mobile``, ``tablet``) follows from its device and OS. Only
these three names are stored, never the User-Agent (already cut to 512 characters by
``privacy.user_agent_of``). Real traffic repeats a few thousand User-Agents, so answers are kept in
an in-memory LRU cache: a hit costs a dict lookup on the ingestion path.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from ua_parser import parse

#: What ua-parser calls an unrecognised browser, OS or device.
UNKNOWN = "Other"
#: Operating systems of phones and tablets (a tablet is told apart by its device or the missing
#: ``Mobile`` token of Android tablets).
_MOBILE_OSES = frozenset({"iOS", "Android", "iPadOS", "Windows Phone", "KaiOS", "BlackBerry OS", "Tizen"})
_TABLET_MARKERS = ("ipad", "tablet", "kindle", "playbook", "nexus 7", "nexus 9", "nexus 10")


class Device(NamedTuple):
    browser: str
    os: str
    #: ``desktop``, ``mobile`` or ``tablet``.
    device: str


@lru_cache(maxsize=4096)
def device_of(user_agent: str) -> Device:
    result = parse(user_agent)
    browser = result.user_agent.family if result.user_agent else UNKNOWN
    os = result.os.family if result.os else UNKNOWN
    hardware = result.device
    described = " ".join(filter(None, (hardware.family, hardware.brand, hardware.model))) if hardware else ""
    if any(marker in described.lower() for marker in _TABLET_MARKERS) or (
        os == "Android" and "Mobile" not in user_agent
    ):
        kind = "tablet"
    elif os in _MOBILE_OSES or "Mobi" in user_agent:
        kind = "mobile"
    else:
        kind = "desktop"
    return Device(browser, os, kind)
