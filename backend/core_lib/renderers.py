"""A JSON renderer for the hot public reads: DRF's JSONRenderer output, serialised by orjson.

The papers list renders 50-200 papers with their abstracts per request; the standard library's
encoder spends about a millisecond on a page, orjson a tenth of that. The output is what DRF's
renderer gives with the project's settings: compact, UTF-8 (not ASCII-escaped), U+2028/U+2029
escaped, and anything orjson does not know natively (datetimes, dates, decimals, lazy strings) goes
through DRF's own encoder, so a datetime still reads ``...Z`` in UTC.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

_ENCODER = JSONEncoder()
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME
#: U+2028 and U+2029 in UTF-8; one regex pass finds either (two ``in`` tests cost several times more).
_LINE_ENDS = re.compile(b"\xe2\x80[\xa8\xa9]")
_ESCAPED = {"\u2028".encode(): b"\\u2028", "\u2029".encode(): b"\\u2029"}


class FastJSONRenderer(JSONRenderer):
    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        if data is None:
            return b""
        # A page may embed JSON written already (orjson.Fragment, papers.selectors.PublicRows).
        out = orjson.dumps(data, default=_ENCODER.default, option=_OPTIONS)
        if self.get_indent(accepted_media_type or "", renderer_context or {}):  # ?indent=
            return bytes(super().render(orjson.loads(out), accepted_media_type, renderer_context))
        # As DRF's renderer: these two are valid JSON but end a line in JavaScript. Rare in any
        # text: looked for first (a search), copied only when present (a page is ~100 KB).
        if _LINE_ENDS.search(out):
            out = _LINE_ENDS.sub(lambda found: _ESCAPED[found.group()], out)
        return out
