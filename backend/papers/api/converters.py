"""The ``arxiv`` path converter: both arXiv id styles, with an optional version suffix."""

from __future__ import annotations

import re

_VERSION = re.compile(r"v\d+$")


class ArxivIdConverter:
    """``2401.12345``, ``0704.0001``, ``hep-th/9901001``, ``math.GT/0309136``, each optionally ``vN``.

    Old-style ids contain a slash, which ``<str:...>`` would refuse. The shape only routes; whether
    the id is a real arXiv id is the view's question (404 when not). The version is dropped: the
    view shows the paper, not a version, and the papers cache keys on the converted value.
    """

    regex = r"(?:\d{4}\.\d{4,5}|[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?"

    def to_python(self, value: str) -> str:
        return _VERSION.sub("", value)

    def to_url(self, value: str) -> str:
        return value
