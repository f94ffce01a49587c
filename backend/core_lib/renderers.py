"""A JSON renderer for the hot public reads: DRF's JSONRenderer output, serialised by orjson.

The papers list renders 50-200 papers with their abstracts per request; the standard library's
encoder spends about a millisecond on a page, orjson a tenth of that. The output is what DRF's
renderer gives with the project's settings: compact, UTF-8 (not ASCII-escaped), U+2028/U+2029
escaped, and anything orjson does not know natively (datetimes, dates, decimals, lazy strings) goes
through DRF's own encoder, so a datetime still reads ``...Z`` in UTC.
"""

from __future__ import annotations

from typing import Any

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

_ENCODER = JSONEncoder()
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME
_LS, _PS = "\u2028".encode(), "\u2029".encode()


class FastJSONRenderer(JSONRenderer):
    #: orjson's options; a subclass may let orjson write datetimes itself (see NativeDatetimeJSONRenderer).
    options = _OPTIONS

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        if data is None:
            return b""
        if self.get_indent(accepted_media_type or "", renderer_context or {}):
            return bytes(super().render(data, accepted_media_type, renderer_context))  # ?indent=
        # As DRF's renderer: these two are valid JSON but end a line in JavaScript. Rare in any
        # text: looked for first (a search), copied only when present (a page is ~100 KB).
        out = orjson.dumps(data, default=_ENCODER.default, option=self.options)
        if _LS in out or _PS in out:
            out = out.replace(_LS, b"\\u2028").replace(_PS, b"\\u2029")
        return out


class NativeDatetimeJSONRenderer(FastJSONRenderer):
    """:class:`FastJSONRenderer` for data whose datetimes are aware and in UTC, written by orjson
    itself (``...Z``, microseconds when there are any): what DRF's ``DateTimeField`` gives for such
    a value, without a Python call per datetime (DRF's encoder would cut the microseconds)."""

    options = orjson.OPT_UTC_Z
