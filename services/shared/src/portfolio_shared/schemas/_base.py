"""Model bases and small field types shared by every schema module.

Two bases, one rule: a payload a service *accepts* is strict (:class:`StrictModel`, unknown fields
are rejected, so a sender's typo fails loudly instead of being dropped); a payload a client *reads*
is tolerant (:class:`ResponseModel`, unknown fields are ignored, so a peer can add a field without
breaking callers that were deployed before it).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, HttpUrl, TypeAdapter

from portfolio_shared.text import strip_control_characters


class StrictModel(BaseModel):
    """Base of payloads a service accepts: unknown fields are an error."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ResponseModel(BaseModel):
    """Base of payloads a client reads: unknown fields are ignored."""

    model_config = ConfigDict(extra="ignore")


_HTTP_URL: TypeAdapter[HttpUrl] = TypeAdapter(HttpUrl)


def _check_http_url(value: str) -> str:
    _HTTP_URL.validate_python(value)
    return value


#: The longest URL any service accepts or stores (pydantic's ``HttpUrl`` limit, the de facto
#: browser limit): core's URL columns use it too, so whatever a peer accepts core can store.
MAX_URL_LENGTH = 2083

#: An http(s) URL, validated but kept as the ``str`` it was given (no trailing-slash rewriting).
HttpUrlStr = Annotated[str, Field(max_length=MAX_URL_LENGTH), AfterValidator(_check_http_url)]

NonEmptyStr = Annotated[str, Field(min_length=1)]


def _clean(value: str) -> str:
    return strip_control_characters(value, keep_page_breaks=True)


def _strip_to_non_empty(value: str) -> str:
    value = _clean(value).strip()
    if not value:
        raise ValueError("must hold text other than control characters and whitespace")
    return value


#: Text kept as sent less its control characters (stripped, not refused: one stray character from
#: a paste must not keep a whole document out of the index). Lone surrogates are no text: pydantic
#: refuses them (422 ``string_unicode``).
CleanStr = Annotated[str, AfterValidator(_clean)]
#: :data:`CleanStr` that still holds some text once the control characters are gone.
CleanNonEmptyStr = Annotated[str, Field(min_length=1), AfterValidator(_strip_to_non_empty)]
#: An identifier: one line of printable text, refused (422) when it holds a control character.
PRINTABLE_ID_PATTERN = r"^[^\x00-\x1f\x7f]+$"
PrintableId = Annotated[str, Field(min_length=1, max_length=255, pattern=PRINTABLE_ID_PATTERN)]

#: The lifecycle of every job (scrape jobs, processing jobs). ``partial``: some sources or items failed.
JobState = Literal["queued", "running", "succeeded", "partial", "failed"]
TERMINAL_STATES: frozenset[str] = frozenset({"succeeded", "partial", "failed"})

#: What ``POST /scrape`` may be asked to scrape.
ScrapeSource = Literal["all", "arxiv", "huggingface", "pwc"]
#: Where a paper was seen.
PaperSource = Literal["arxiv", "huggingface", "pwc"]
#: What a stored document came from.
DocumentSourceType = Literal["pdf", "github", "text"]


class JobError(ResponseModel):
    """Why a job (or one of its parts) failed: a stable ``code`` and a human ``message``."""

    code: NonEmptyStr
    message: str
