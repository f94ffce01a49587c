"""Text hygiene at trust boundaries: characters that no store or format we write can hold.

Postgres ``text`` and ``jsonb`` refuse NUL, UTF-8 cannot encode a lone surrogate (JSON's ``"\\ud800"``
decodes to one), and XML 1.0 (the Atom feed) allows no C0 control but tab, line feed and carriage
return. A string from outside (an upstream API, a stored row written before this rule) passes
through :func:`strip_control_characters` before any of them sees it.
"""

from __future__ import annotations

import re

# C0 controls but tab, LF and CR; DEL and the C1 controls; lone surrogates; U+FFFE and U+FFFF.
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# The same less the form feed, which text for indexing keeps: it is the page break.
_UNSAFE_BUT_PAGE_BREAKS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _replacement(match: re.Match[str]) -> str:
    # The controls that separate words (vertical tab, form feed, the information separators, NEL)
    # become a space, so two words never run together; the rest vanish.
    return " " if match.group().isspace() else ""


def strip_control_characters(text: str, *, keep_page_breaks: bool = False) -> str:
    """``text`` without control characters (tab, line feed and carriage return kept), lone
    surrogates and the noncharacters U+FFFE/U+FFFF; a control that separates words becomes a space.

    ``keep_page_breaks`` keeps the form feed too: text for indexing marks its pages with it.
    """
    return (_UNSAFE_BUT_PAGE_BREAKS if keep_page_breaks else _UNSAFE).sub(_replacement, text)


def has_control_characters(text: str) -> bool:
    """Whether :func:`strip_control_characters` would change ``text``."""
    return _UNSAFE.search(text) is not None
