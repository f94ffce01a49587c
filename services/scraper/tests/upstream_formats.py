"""Writers of each upstream's real output format, for the fake upstream and the parse benchmark.

Written from the APIs' documentation, nothing fetched:
- arXiv Atom per the API user manual (feed metadata, ``opensearch:`` totals, entries with ``arxiv:``
  extension elements, links ``alternate`` / ``related`` ``pdf`` / ``doi``, the error feed). Two
  generations: ``"old"`` (before 2025-11-11: namespaces declared on each extension element, ``ArXiv
  Query`` title, ``http://`` ids, errors with HTTP 200) and ``"new"`` (namespaces on the root, ``https``
  ids, errors with HTTP 400). Titles and abstracts are hard-wrapped as arXiv serves them.
- Hugging Face daily-papers items per huggingface_hub's ``PaperInfo``.
- Papers with Code catalogue papers per huggingface/pwc-cli's readers.
"""

from __future__ import annotations

import base64
import hashlib
import random
import textwrap
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from xml.sax.saxutils import escape, quoteattr

Generation = Literal["old", "new"]


@dataclass
class ArxivEntry:
    """One paper as arXiv's API describes it."""

    arxiv_id: str  # version-less
    title: str
    abstract: str
    authors: list[str]
    categories: list[str]  # the primary category first
    published: datetime
    version: int = 1
    updated: datetime | None = None
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    affiliations: dict[str, str] = field(default_factory=dict)  # author name -> affiliation


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _wrapped(text: str, indent: str) -> str:
    # arXiv serves titles and abstracts hard-wrapped, continuation lines indented.
    return escape(("\n" + indent).join(textwrap.wrap(text, 76)) or text)


def _feed_head(query: str, *, total: int, start: int, per_page: int, generation: Generation) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(query.encode()).digest()[:20]).decode().rstrip("=")
    if generation == "old":
        os_ns = ' xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"'
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
            f'  <link href={quoteattr("http://arxiv.org/api/query?" + query)} rel="self"'
            ' type="application/atom+xml"/>\n'
            f'  <title type="html">ArXiv Query: {escape(query)}</title>\n'
            f"  <id>http://arxiv.org/api/{digest}</id>\n"
            "  <updated>2026-11-29T00:00:00-05:00</updated>\n"
            f"  <opensearch:totalResults{os_ns}>{total}</opensearch:totalResults>\n"
            f"  <opensearch:startIndex{os_ns}>{start}</opensearch:startIndex>\n"
            f"  <opensearch:itemsPerPage{os_ns}>{per_page}</opensearch:itemsPerPage>\n"
        )
    return (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"'
        ' xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">\n'
        f"  <id>https://arxiv.org/api/{digest}</id>\n"
        f"  <title>arXiv Query: {escape(query)}</title>\n"
        "  <updated>2026-11-29T02:00:03Z</updated>\n"
        f'  <link href={quoteattr("https://arxiv.org/api/query?" + query)} type="application/atom+xml"/>\n'
        f"  <opensearch:itemsPerPage>{per_page}</opensearch:itemsPerPage>\n"
        f"  <opensearch:totalResults>{total}</opensearch:totalResults>\n"
        f"  <opensearch:startIndex>{start}</opensearch:startIndex>\n"
    )


def atom_entry(entry: ArxivEntry, generation: Generation = "new") -> str:
    """One ``<entry>`` as the given API generation writes it."""
    scheme = "http" if generation == "old" else "https"
    ns = ' xmlns:arxiv="http://arxiv.org/schemas/atom"' if generation == "old" else ""
    versioned = f"{entry.arxiv_id}v{entry.version}"
    updated = entry.updated or entry.published
    lines = [
        "  <entry>",
        f"    <id>{scheme}://arxiv.org/abs/{versioned}</id>",
        f"    <updated>{_stamp(updated)}</updated>",
        f"    <published>{_stamp(entry.published)}</published>",
        f"    <title>{_wrapped(entry.title, '  ')}</title>",
        f"    <summary>  {_wrapped(entry.abstract, '')}\n</summary>",
    ]
    for name in entry.authors:
        lines.append(f"    <author>\n      <name>{escape(name)}</name>")
        if name in entry.affiliations:
            lines.append(
                f"      <arxiv:affiliation{ns}>{escape(entry.affiliations[name])}</arxiv:affiliation>"
            )
        lines.append("    </author>")
    if entry.doi:
        lines.append(f"    <arxiv:doi{ns}>{escape(entry.doi)}</arxiv:doi>")
        lines.append(
            f'    <link title="doi" href="{scheme}://dx.doi.org/{escape(entry.doi)}" rel="related"/>'
        )
    for tag, value in (("comment", entry.comment), ("journal_ref", entry.journal_ref)):
        if value:
            lines.append(f"    <arxiv:{tag}{ns}>{_wrapped(value, '')}</arxiv:{tag}>")
    lines += [
        f'    <link href="{scheme}://arxiv.org/abs/{versioned}" rel="alternate" type="text/html"/>',
        f'    <link title="pdf" href="{scheme}://arxiv.org/pdf/{versioned}" rel="related"'
        ' type="application/pdf"/>',
        f'    <arxiv:primary_category{ns} term="{entry.categories[0]}"'
        ' scheme="http://arxiv.org/schemas/atom"/>',
    ]
    lines += [f'    <category term="{c}" scheme="http://arxiv.org/schemas/atom"/>' for c in entry.categories]
    lines.append("  </entry>")
    return "\n".join(lines) + "\n"


def atom_feed(
    entries: list[ArxivEntry],
    *,
    total: int | None = None,
    start: int = 0,
    per_page: int | None = None,
    query: str = "search_query=cat:cs.LG",
    generation: Generation = "new",
) -> bytes:
    """A result page: feed metadata, ``opensearch:`` figures, then ``entries``."""
    head = _feed_head(
        query,
        total=len(entries) if total is None else total,
        start=start,
        per_page=len(entries) if per_page is None else per_page,
        generation=generation,
    )
    return (head + "".join(atom_entry(e, generation) for e in entries) + "</feed>\n").encode()


def error_feed(message: str, *, generation: Generation = "new", query: str = "search_query=") -> bytes:
    """The API's error answer: a feed whose one entry is titled ``Error`` and summarises the problem."""
    scheme = "http" if generation == "old" else "https"
    anchor = message.replace(" ", "_")
    head = _feed_head(query, total=1, start=0, per_page=1, generation=generation)
    entry = (
        "  <entry>\n"
        f"    <id>{scheme}://arxiv.org/api/errors#{escape(anchor)}</id>\n"
        "    <title>Error</title>\n"
        f"    <summary>{escape(message)}</summary>\n"
        "    <updated>2026-11-29T00:00:00Z</updated>\n"
        f'    <link href="{scheme}://arxiv.org/api/errors#{escape(anchor)}" rel="alternate"'
        ' type="text/html"/>\n'
        "    <author>\n      <name>arXiv api core</name>\n    </author>\n"
        "  </entry>\n"
    )
    return (head + entry + "</feed>\n").encode()


_TOPICS = [
    ("Retrieval-Augmented Generation", "retrieval-augmented generation with dense passage retrieval"),
    ("Sparse Mixture-of-Experts", "sparse mixture-of-experts layers for efficient scaling"),
    ("Tool-Using Language Agents", "language model agents that plan and call external tools"),
    ("Preference Optimisation", "direct preference optimisation for aligning language models"),
    ("Diffusion Transformers", "diffusion transformers for high-resolution image synthesis"),
    ("Offline Reinforcement Learning", "conservative value estimation in offline reinforcement learning"),
]
_CATEGORIES = ["cs.LG", "cs.CL", "cs.AI", "cs.CV", "stat.ML"]


def sample_entries(count: int, *, newest: datetime, seed: int = 7, prefix: str = "2611") -> list[ArxivEntry]:
    """``count`` distinct, plausible entries submitted one minute apart going back from ``newest``."""
    rng = random.Random(seed)
    entries = []
    for index in range(count):
        name, phrase = _TOPICS[index % len(_TOPICS)]
        primary = _CATEGORIES[index % 3]
        published = newest - timedelta(minutes=index)
        authors = [f"Author {rng.randint(1, 999)} {chr(65 + k)}. Example" for k in range(1 + index % 5)]
        version = 1 + index % 3
        entries.append(
            ArxivEntry(
                arxiv_id=f"{prefix}.{index + 1:05d}",
                title=f"{name} Revisited: A Study of {phrase.capitalize()} at Scale, Part {index}",
                abstract=(
                    f"We study {phrase}. Our method improves over strong baselines on several "
                    f"benchmarks while using fewer parameters. Experiments across {3 + index % 7} "
                    "datasets show consistent gains, and ablations isolate the contribution of each "
                    "component. Code and models are released to support further research."
                ),
                authors=authors,
                categories=[primary, *rng.sample([c for c in _CATEGORIES if c != primary], 1 + index % 2)],
                published=published,
                version=version,
                updated=published + timedelta(days=version - 1),
                comment=f"{8 + index % 20} pages, {2 + index % 6} figures" if index % 2 == 0 else None,
                journal_ref="Proc. of a Workshop (2026) 1-12" if index % 7 == 0 else None,
                doi=f"10.1234/example.{index}" if index % 5 == 0 else None,
                affiliations={authors[0]: "Example University"} if index % 4 == 0 else {},
            )
        )
    return entries


def hf_item(
    arxiv_id: str,
    title: str,
    *,
    summary: str = "An abstract.",
    authors: list[str] | None = None,
    published: str = "2026-11-27T17:59:01.000Z",
    upvotes: int = 0,
    comments: int = 0,
    ai_summary: str | None = None,
    ai_keywords: list[str] | None = None,
    github_repo: str | None = None,
    github_stars: int | None = None,
    project_page: str | None = None,
    organization: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One ``daily_papers`` item; the optional paper fields appear only when given, as on the Hub."""
    paper: dict[str, Any] = {
        "id": arxiv_id,
        "authors": [
            {"_id": f"a{i}", "name": name, "hidden": False} for i, name in enumerate(authors or ["A. Author"])
        ],
        "mediaUrls": [],
        "publishedAt": published,
        "submittedOnDailyAt": "2026-11-28T01:12:44.000Z",
        "title": title,
        "summary": summary,
        "upvotes": upvotes,
        "discussionId": f"d{arxiv_id}",
    }
    optional = {
        "ai_summary": ai_summary,
        "ai_keywords": ai_keywords,
        "githubRepo": github_repo,
        "githubStars": github_stars,
        "projectPage": project_page,
        "organization": organization,
    }
    paper.update({key: value for key, value in optional.items() if value is not None})
    item: dict[str, Any] = {
        "paper": paper,
        "publishedAt": "2026-11-28T01:12:44.000Z",
        "title": title,
        "summary": summary,
        # The Hub's social thumbnail of the paper (by its version-less id).
        "thumbnail": f"https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{arxiv_id.partition('v')[0]}.png",
        "numComments": comments,
        "submittedBy": {
            "_id": "u1",
            "avatarUrl": "/avatars/u1.svg",
            "fullname": "A Submitter",
            "user": "sub",
        },
        "isAuthorParticipating": False,
    }
    if organization is not None:
        item["organization"] = organization
    return item


def pwc_paper(
    arxiv_id: str | None,
    title: str,
    *,
    catalog_id: int = 1,
    published: str = "2026-11-27",
    abstract: str | None = None,
    authors: list[str] | None = None,
    repositories: list[dict[str, Any]] | None = None,
    official: bool | None = None,
    project_pages: list[str] | None = None,
    organizations: list[str] | None = None,
) -> dict[str, Any]:
    """One catalogue paper as ``papers/recent`` / ``papers/trending`` list it."""
    paper: dict[str, Any] = {
        "id": str(catalog_id),
        "arxiv_id": arxiv_id,
        "title": title,
        "authors": authors or ["A. Author"],
        "published": published,
        "citation_count": 0,
        "url_abs": f"https://paperswithcode.co/paper/{arxiv_id or catalog_id}",
        "url_pdf": f"https://arxiv.org/pdf/{arxiv_id}" if arxiv_id else None,
        "has_official_implementation": bool(official),
        "code_repository_count": len(repositories or []),
    }
    if abstract is not None:
        paper["abstract"] = abstract
    if repositories is not None:
        paper["repositories"] = repositories
    if project_pages is not None:
        paper["project_pages"] = [{"url": url, "is_official": True} for url in project_pages]
    if organizations is not None:
        paper["organizations"] = [
            {"id": str(i), "name": name, "slug": name.lower()} for i, name in enumerate(organizations)
        ]
    return paper
