"""What each piece of content looks like to the chatbot's index: document keys and request bodies.

Pure functions from model instances to the document processor's requests (no database writes):
``POST /process/text`` with DESIGN.md's ``TextForIndexing``, ``POST /process/github`` for a
project's repository on GitHub, ``DELETE /documents/{document_key}``. Keys are stable:

* ``profile`` — the owner's profile;
* ``cv`` — the uploaded CV (a PDF): ``POST /process/pdf`` with ``{"url"}``, the file's URL under
  ``CORE_PUBLIC_URL`` (core serves its media there, and the processor's SSRF guard trusts that
  base: the outbox carries JSON only). The file's sha256 is part of the request, so a new file
  under the same name is sent again; a removed CV (or its file lost from the storage) deletes the
  document;
* ``tech-stack`` — the whole stack in one document, grouped by category (a question such as "what
  does the owner use for serving models?" needs the list, not one item);
* ``journey:<id>`` — one per journey entry;
* ``project:<slug>`` and ``project:<slug>:readme`` (the repository's README).

``source_url`` points at the item's page in the SPA (``SITE_URL`` + :data:`SPA_PATHS`).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from content.models import JourneyEntry, Profile, Project, TechStack
from portfolio_shared.contracts import DELETE_DOCUMENT, PROCESS_GITHUB, PROCESS_PDF, PROCESS_TEXT, BoundCall
from portfolio_shared.schemas import GithubRequest, MetadataValue, PdfUrlRequest, TextForIndexing

logger = logging.getLogger(__name__)

#: Where the SPA shows each kind of content (the frontend's routes must match).
SPA_PATHS = {
    "profile": "/about",
    "tech-stack": "/about#tech-stack",
    "journey": "/journey#journey-{id}",
    "project": "/projects/{slug}",
}

PROFILE_KEY = "profile"
CV_KEY = "cv"
TECH_STACK_KEY = "tech-stack"
PROFILE_OWNER = "content.profile"
TECH_STACK_OWNER = "content.techstack"
_GITHUB_HOSTS = frozenset({"github.com", "www.github.com"})


@dataclass(frozen=True)
class DocumentRequest:
    """One call to the document processor (a declared operation, bound), as the outbox will make it."""

    call: BoundCall

    @property
    def method(self) -> str:
        return self.call.method

    @property
    def path(self) -> str:
        return self.call.path

    @property
    def payload(self) -> dict[str, Any]:
        return self.call.json or {}

    def digest(self) -> str:
        """sha256 of the request: equal digests mean sending again would change nothing."""
        canonical = json.dumps([self.method, self.path, self.payload], sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


Documents = dict[str, DocumentRequest]


def site_url(path: str) -> str:
    """An absolute URL of the SPA."""
    return f"{settings.SITE_URL}{path}"


def journey_key(entry_id: int) -> str:
    return f"journey:{entry_id}"


def project_key(slug: str) -> str:
    return f"project:{slug}"


def readme_key(slug: str) -> str:
    return f"project:{slug}:readme"


def journey_owner(entry_id: int) -> str:
    return f"content.journeyentry:{entry_id}"


def project_owner(project_id: int) -> str:
    return f"content.project:{project_id}"


def _text(doc: TextForIndexing) -> DocumentRequest:
    return DocumentRequest(PROCESS_TEXT.bind(doc))


def delete_request(document_key: str) -> DocumentRequest:
    """``DELETE /documents/{document_key}``, the key escaped as one path segment (``:``, ``/`` too)."""
    return DocumentRequest(DELETE_DOCUMENT.bind(document_key=document_key))


def github_repo(url: str) -> str | None:
    """``owner/name`` when ``url`` is a GitHub repository URL, else None."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or (parts.hostname or "").lower() not in _GITHUB_HOSTS:
        return None
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) < 2:
        return None
    name = segments[1].removesuffix(".git")
    return f"{segments[0]}/{name}" if name else None


def _month(day: date) -> str:
    return day.strftime("%B %Y")


def _section(*lines: str) -> str:
    return "\n".join(line for line in lines if line)


def profile_documents(profile: Profile | None) -> Documents:
    """The profile as one Markdown document (nothing without a profile)."""
    if profile is None:
        return {}
    links = "\n".join(f"- [{link['label']}]({link['url']})" for link in profile.links or [])
    text = "\n\n".join(
        part
        for part in (
            _section(
                f"# {profile.name}", profile.headline, profile.location and f"Location: {profile.location}"
            ),
            profile.bio.strip(),
            links and f"## Links\n\n{links}",
        )
        if part
    )
    doc = TextForIndexing(
        document_key=PROFILE_KEY,
        title=f"About {profile.name}",
        text=text,
        format="markdown",
        source_url=site_url(SPA_PATHS["profile"]),
        metadata={"kind": "profile", "name": profile.name},
    )
    return {PROFILE_KEY: _text(doc), **cv_documents(profile)}


def cv_public_url(profile: Profile) -> str:
    """Where the document processor fetches the CV: core's media URL under ``CORE_PUBLIC_URL``."""
    url = str(profile.cv.url)
    return url if urlsplit(url).scheme else f"{settings.CORE_PUBLIC_URL}{url}"


def cv_documents(profile: Profile) -> Documents:
    """The CV as a PDF fetched from core by URL (nothing without one)."""
    if not profile.cv:
        return {}
    try:
        with profile.cv.open("rb") as f:
            sha256 = hashlib.file_digest(f, "sha256").hexdigest()
    except FileNotFoundError:
        # The storage lost the file (a media volume not restored): core cannot serve it to the
        # processor either, so it is no CV to index, and the profile still saves.
        logger.warning("The CV file %s is missing from the media storage: not indexed.", profile.cv.name)
        return {}
    body = PdfUrlRequest(
        url=cv_public_url(profile),
        document_key=CV_KEY,
        title=f"{profile.name} — CV",
        metadata={"kind": "cv", "name": profile.name, "file_sha256": sha256},
    )
    return {CV_KEY: DocumentRequest(PROCESS_PDF.bind(body))}


def tech_stack_documents(techs: Iterable[TechStack]) -> Documents:
    """The whole stack as one document grouped by category (nothing when the stack is empty)."""
    by_category: dict[str, list[TechStack]] = {}
    for tech in sorted(techs, key=lambda t: (t.category.lower(), t.order, t.name.lower())):
        by_category.setdefault(tech.category, []).append(tech)
    if not by_category:
        return {}
    sections = [
        f"## {category}\n\n" + "\n".join(f"- {t.name} (proficiency {t.proficiency}/100)" for t in items)
        for category, items in by_category.items()
    ]
    doc = TextForIndexing(
        document_key=TECH_STACK_KEY,
        title="Tech stack",
        text="# Tech stack\n\n" + "\n\n".join(sections),
        format="markdown",
        source_url=site_url(SPA_PATHS["tech-stack"]),
        metadata={"kind": "tech_stack", "technologies": sum(len(v) for v in by_category.values())},
    )
    return {TECH_STACK_KEY: _text(doc)}


def journey_documents(entry: JourneyEntry) -> Documents:
    """One journey entry as a Markdown document."""
    period = f"{_month(entry.start)} to {_month(entry.end) if entry.end else 'present'}"
    heading = f"# {entry.title}" + (f" — {entry.organisation}" if entry.organisation else "")
    text = "\n\n".join(
        part
        for part in (_section(heading, f"{entry.get_kind_display()}, {period}"), entry.description.strip())
        if part
    )
    metadata: dict[str, MetadataValue] = {
        "kind": "journey",
        "entry_kind": entry.kind,
        "start": entry.start.isoformat(),
        "current": entry.end is None,
    }
    if entry.end is not None:
        metadata["end"] = entry.end.isoformat()
    if entry.organisation:
        metadata["organisation"] = entry.organisation
    doc = TextForIndexing(
        document_key=journey_key(entry.pk),
        title=str(entry),
        text=text,
        format="markdown",
        source_url=site_url(SPA_PATHS["journey"].format(id=entry.pk)),
        metadata=metadata,
    )
    return {doc.document_key: _text(doc)}


def project_documents(project: Project, technologies: Iterable[TechStack]) -> Documents:
    """A project's page as a document, plus its README when the repository is on GitHub."""
    names = [t.name for t in technologies]
    facts = _section(
        names and f"Technologies: {', '.join(names)}",
        project.repository_url and f"Repository: {project.repository_url}",
        project.demo_url and f"Demo: {project.demo_url}",
    )
    text = "\n\n".join(
        part for part in (f"# {project.title}", project.summary.strip(), facts, project.body.strip()) if part
    )
    key = project_key(project.slug)
    url = site_url(SPA_PATHS["project"].format(slug=project.slug))
    metadata: dict[str, MetadataValue] = {
        "kind": "project",
        "slug": project.slug,
        "featured": project.featured,
    }
    if names:
        metadata["technologies"] = ", ".join(names)
    doc = TextForIndexing(
        document_key=key, title=project.title, text=text, format="markdown", source_url=url, metadata=metadata
    )
    documents = {key: _text(doc)}
    if project.repository_url and github_repo(project.repository_url):
        readme = GithubRequest(
            repo=project.repository_url,
            document_key=readme_key(project.slug),
            metadata={"kind": "project_readme", "slug": project.slug},
        )
        documents[readme.document_key or ""] = DocumentRequest(PROCESS_GITHUB.bind(readme))
    return documents
