"""What a browser may send: one pydantic model per event type, and a batch of them.

Limits keep one request small and a stored event bounded: URLs ≤ 2,000 characters, ≤ 30 props of
short scalar values (or short lists, e.g. a paper's ``topics``), ≤ 100 events a batch. Unknown
fields are ignored so an older service accepts a newer SPA's events.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StringConstraints,
    TypeAdapter,
    field_validator,
    model_validator,
)

MAX_URL = 2000
MAX_PROPS = 30
MAX_BATCH = 100

Url = Annotated[str, StringConstraints(max_length=MAX_URL, strip_whitespace=True)]
Short = Annotated[str, StringConstraints(max_length=300, strip_whitespace=True)]
Token = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
PropValue = (
    Annotated[str, StringConstraints(max_length=300)]
    | bool
    # JavaScript's safe integers (a larger one is read as a float), finite floats: JSON can hold them.
    | Annotated[int, Field(ge=-(2**53 - 1), le=2**53 - 1)]
    | Annotated[float, Field(allow_inf_nan=False)]
    | Annotated[list[Annotated[str, StringConstraints(max_length=100)]], Field(max_length=30)]
)
Props = Annotated[
    dict[Annotated[str, StringConstraints(min_length=1, max_length=64)], PropValue],
    Field(max_length=MAX_PROPS),
]


class _Event(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    props: Props | None = None


class PageviewIn(_Event):
    type: Literal["pageview"] = "pageview"
    url: Url | None = None
    path: Url | None = None
    referrer: Url | None = None
    title: Short | None = None

    @field_validator("path")
    @classmethod
    def _path_is_absolute(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("/"):
            raise ValueError("path must start with /")
        return value

    @model_validator(mode="after")
    def _url_or_path(self) -> PageviewIn:
        if not (self.url or self.path):
            raise ValueError("a pageview needs `url` or `path`")
        return self


class ClickIn(_Event):
    type: Literal["click"] = "click"
    path: Url | None = None
    target: Annotated[str, StringConstraints(min_length=1, max_length=500, strip_whitespace=True)]
    #: paper, share, outbound, ... (lowercase word).
    kind: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,31}$")] = "link"
    #: The ``search_id`` of the search this click follows (search click-through).
    search_id: Token | None = None


class SearchIn(_Event):
    type: Literal["search"] = "search"
    path: Url | None = None
    query: Annotated[str, StringConstraints(min_length=1, max_length=500, strip_whitespace=True)]
    # Strict: JSON's `false` is no count (the schema says integer, so the code does too).
    results_count: Annotated[StrictInt, Field(ge=0, le=1_000_000)] | None = None
    search_id: Token | None = None


class EngagementIn(_Event):
    type: Literal["engagement"] = "engagement"
    path: Url | None = None
    #: Time the page was visible and in use, sent when it is hidden; capped at a day.
    engaged_ms: Annotated[StrictInt, Field(ge=0, le=86_400_000)]


AnyEvent = Annotated[PageviewIn | ClickIn | SearchIn | EngagementIn, Field(discriminator="type")]


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    events: Annotated[list[AnyEvent], Field(min_length=1, max_length=MAX_BATCH)]


EventIn = PageviewIn | ClickIn | SearchIn | EngagementIn

#: Validators by route name: ``POST /events/{name}``.
ADAPTERS: dict[str, TypeAdapter[Any]] = {
    "pageview": TypeAdapter(PageviewIn),
    "click": TypeAdapter(ClickIn),
    "search": TypeAdapter(SearchIn),
    "engagement": TypeAdapter(EngagementIn),
    "batch": TypeAdapter(BatchIn),
}
