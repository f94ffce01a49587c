"""The owner's portfolio content: profile, tech stack, journey and projects.

Markdown fields keep their source and a sanitised HTML rendering (``*_html``) written on every
save (see ``content.rendering``). Every model saves inside a transaction so that the signal
receivers in ``content.signals`` add their outbox message in the same transaction as the row.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.validators import FileExtensionValidator, MaxValueValidator, URLValidator
from django.db import models, router, transaction
from django.utils.text import slugify

from content.rendering import render_markdown

_url = URLValidator(schemes=["http", "https"])


class IndexedContent(models.Model):
    """Base of content the chatbot indexes: atomic save, Markdown rendered on the way in."""

    #: (Markdown source field, HTML field) pairs rendered on save.
    markdown_fields: ClassVar[tuple[tuple[str, str], ...]] = ()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        for source, target in self.markdown_fields:
            setattr(self, target, render_markdown(getattr(self, source)))
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            rendered = {t for s, t in self.markdown_fields if s in update_fields}
            kwargs["update_fields"] = {*update_fields, *rendered}
        # Outside an atomic block Django autocommits the row before post_save runs; the outbox
        # message written by post_save must share the row's fate, so the save opens one.
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using, savepoint=False):
            super().save(*args, **kwargs)


#: Every PDF starts with this header (ISO 32000-1, 7.5.2).
PDF_HEADER = b"%PDF-"


def validate_pdf(upload: File) -> None:  # type: ignore[type-arg]
    """The CV is a PDF: its name ends in ``.pdf`` and its content starts with the PDF header.

    The extension alone would let an HTML page named ``cv.pdf`` through; core serves uploads from
    its own origin (as attachments, sandboxed: ``config.media``), and a PDF is all the CV may be.
    """
    FileExtensionValidator(["pdf"], message="The CV must be a PDF file (.pdf).")(upload)
    position = upload.tell() if not upload.closed else 0
    upload.open("rb")
    upload.seek(0)
    head = upload.read(len(PDF_HEADER))
    upload.seek(position)
    if head != PDF_HEADER:
        raise ValidationError("The CV must be a PDF: this file's content is not one.", code="not_a_pdf")


def validate_links(value: Any) -> None:
    """``links`` is a list of ``{"label": str, "url": http(s) URL}``."""
    if not isinstance(value, list):
        raise ValidationError("Links must be a list of {label, url} objects.")
    for index, item in enumerate(value):
        if not isinstance(item, dict) or set(item) != {"label", "url"}:
            raise ValidationError(f"Link {index + 1} must have exactly a label and a url.")
        if not isinstance(item["label"], str) or not item["label"].strip():
            raise ValidationError(f"Link {index + 1} needs a label.")
        try:
            _url(item["url"])
        except ValidationError:
            raise ValidationError(f"Link {index + 1} needs an http(s) URL.") from None


class Profile(IndexedContent):
    """The owner; at most one row (a unique constant column makes a second insert fail)."""

    markdown_fields = (("bio", "bio_html"),)

    singleton = models.BooleanField(default=True, editable=False, unique=True)
    name = models.CharField(max_length=120)
    headline = models.CharField(max_length=200, blank=True)
    bio = models.TextField(blank=True, help_text="Markdown.")
    bio_html = models.TextField(blank=True, editable=False)
    photo = models.ImageField(upload_to="profile/", blank=True)
    location = models.CharField(max_length=120, blank=True)
    links = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_links],
        help_text='[{"label": "GitHub", "url": "https://..."}]',
    )
    cv = models.FileField(upload_to="profile/", blank=True, verbose_name="CV", validators=[validate_pdf])
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(singleton=True), name="profile_singleton")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if Profile.objects.exclude(pk=self.pk).exists():
            raise ValidationError("There is already a profile; edit it instead of adding another.")

    @classmethod
    def load(cls) -> Profile | None:
        """The profile, or None before the owner wrote one."""
        return cls.objects.first()


_SYMBOLS = (("+", "plus"), ("#", "sharp"), (".", "dot"), ("&", "and"))


def tech_slug(name: str) -> str:
    """A URL slug that keeps technologies apart that differ only by a symbol (C, C++, C#).

    Follows the Simple Icons convention (``C++`` → ``cplusplus``, ``Node.js`` → ``nodedotjs``).
    """
    text = name.strip().lower()
    for symbol, word in _SYMBOLS:
        text = text.replace(symbol, word)
    return slugify(re.sub(r"\s+", "-", text))[:60] or "tech"


class TechStack(IndexedContent):
    """One technology the owner works with."""

    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(
        max_length=60, unique=True, blank=True, help_text="Filled from the name if empty."
    )
    category = models.CharField(
        max_length=60, db_index=True, help_text="e.g. Languages, ML & AI, Infrastructure"
    )
    proficiency = models.PositiveSmallIntegerField(
        default=50, validators=[MaxValueValidator(100)], help_text="0 to 100"
    )
    icon = models.CharField(
        max_length=200, blank=True, help_text="An icon name (Simple Icons slug) or image URL."
    )
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("category", "order", "name")
        verbose_name = "technology"
        verbose_name_plural = "tech stack"
        constraints = [
            models.CheckConstraint(condition=models.Q(proficiency__lte=100), name="tech_proficiency_max_100")
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.slug:
            self.slug = tech_slug(self.name)
        super().save(*args, **kwargs)


class JourneyEntry(IndexedContent):
    """A step of the owner's career: a job, a degree or a milestone."""

    class Kind(models.TextChoices):
        WORK = "work", "Work"
        EDUCATION = "education", "Education"
        MILESTONE = "milestone", "Milestone"

    markdown_fields = (("description", "description_html"),)

    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.WORK)
    title = models.CharField(max_length=200)
    organisation = models.CharField(max_length=200, blank=True)
    start = models.DateField()
    end = models.DateField(null=True, blank=True, help_text="Empty while ongoing.")
    description = models.TextField(blank=True, help_text="Markdown.")
    description_html = models.TextField(blank=True, editable=False)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("order", "-start")
        verbose_name_plural = "journey entries"
        constraints = [
            # The natural key seed_content upserts by.
            models.UniqueConstraint(fields=("kind", "title", "organisation"), name="journey_natural_key"),
            models.CheckConstraint(
                condition=models.Q(end__isnull=True) | models.Q(end__gte=models.F("start")),
                name="journey_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} — {self.organisation}" if self.organisation else self.title

    def clean(self) -> None:
        if self.end is not None and self.start is not None and self.end < self.start:
            raise ValidationError({"end": "The end cannot be before the start."})


class Project(IndexedContent):
    """A project the owner shows; ``slug`` is its URL and its document key."""

    markdown_fields = (("body", "body_html"),)

    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    summary = models.TextField(max_length=500, blank=True, help_text="One or two sentences, plain text.")
    body = models.TextField(blank=True, help_text="Markdown.")
    body_html = models.TextField(blank=True, editable=False)
    image = models.ImageField(upload_to="projects/", blank=True)
    technologies = models.ManyToManyField(TechStack, blank=True, related_name="projects")
    repository_url = models.URLField(blank=True)
    demo_url = models.URLField(blank=True)
    featured = models.BooleanField(default=False, db_index=True)
    order = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("order", "-created_at")

    def __str__(self) -> str:
        return self.title


class IndexRecord(models.Model):
    """What core last sent to the document processor for one ``document_key`` (see ``content.indexing``).

    ``owner`` names the content the document comes from (``content.project:42``), so a renamed slug
    or a removed repository is noticed and its old document deleted; ``sha256`` of the last request
    lets a save without changes skip the outbox.
    """

    document_key = models.CharField(max_length=255, unique=True)
    owner = models.CharField(max_length=100, db_index=True)
    sha256 = models.CharField(max_length=64)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("document_key",)

    def __str__(self) -> str:
        return self.document_key
