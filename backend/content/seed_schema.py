"""The YAML file ``seed_content`` loads, as pydantic models: a typo or a bad value fails with its path.

Shape (every section optional)::

    profile: {name, headline, bio, location, links: [{label, url}], photo: <file>, cv: <file>}
    tech_stack: [{name, slug?, category, proficiency: 0-100, icon?, order?}]
    journey: [{kind: work|education|milestone, title, organisation?, start, end?, description?, order?}]
    projects: [{slug, title, summary?, body?, image: <file>?, technologies: [name or slug],
                repository_url?, demo_url?, featured?, order?}]

File paths are relative to the YAML file. Without ``order``, an item's position in its list is its order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from portfolio_shared.schemas import HttpUrlStr

Text = Annotated[str, Field(max_length=200)]
Name = Annotated[str, Field(min_length=1, max_length=200)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SeedLink(_Strict):
    label: Annotated[str, Field(min_length=1, max_length=60)]
    url: HttpUrlStr


class SeedProfile(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=120)]
    headline: Text = ""
    bio: str = ""
    location: Annotated[str, Field(max_length=120)] = ""
    links: list[SeedLink] = Field(default_factory=list)
    photo: str | None = None
    cv: str | None = None


class SeedTech(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=60)]
    slug: Annotated[str, Field(pattern=r"^[-a-z0-9_]+$", max_length=60)] | None = None
    category: Annotated[str, Field(min_length=1, max_length=60)]
    proficiency: Annotated[int, Field(ge=0, le=100)] = 50
    icon: Text = ""
    order: Annotated[int, Field(ge=0)] | None = None


class SeedJourney(_Strict):
    kind: Literal["work", "education", "milestone"]
    title: Name
    organisation: Text = ""
    start: date
    end: date | None = None
    description: str = ""
    order: Annotated[int, Field(ge=0)] | None = None

    @model_validator(mode="after")
    def _end_after_start(self) -> SeedJourney:
        if self.end is not None and self.end < self.start:
            raise ValueError("end is before start")
        return self


class SeedProject(_Strict):
    slug: Annotated[str, Field(pattern=r"^[-a-zA-Z0-9_]+$", min_length=1, max_length=100)]
    title: Name
    summary: Annotated[str, Field(max_length=500)] = ""
    body: str = ""
    image: str | None = None
    technologies: list[str] = Field(default_factory=list)
    repository_url: HttpUrlStr | None = None
    demo_url: HttpUrlStr | None = None
    featured: bool = False
    order: Annotated[int, Field(ge=0)] | None = None


def _duplicates(values: Iterable[object]) -> list[str]:
    return sorted(str(v) for v, n in Counter(values).items() if n > 1)


class SeedContent(_Strict):
    profile: SeedProfile | None = None
    tech_stack: list[SeedTech] = Field(default_factory=list)
    journey: list[SeedJourney] = Field(default_factory=list)
    projects: list[SeedProject] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_natural_keys(self) -> SeedContent:
        problems = {
            "tech_stack names": _duplicates(t.name.lower() for t in self.tech_stack),
            "journey (kind, title, organisation)": _duplicates(
                (j.kind, j.title, j.organisation) for j in self.journey
            ),
            "project slugs": _duplicates(p.slug for p in self.projects),
        }
        found = [f"duplicate {what}: {', '.join(dups)}" for what, dups in problems.items() if dups]
        if found:
            raise ValueError("; ".join(found))
        return self


def describe(error: ValidationError) -> str:
    """One line per problem, each with its place in the file (``projects.2.slug: ...``)."""
    lines = []
    for problem in error.errors():
        where = ".".join(str(part) for part in problem["loc"]) or "(file)"
        lines.append(f"  {where}: {problem['msg']}")
    return "\n".join(lines)
