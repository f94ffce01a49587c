"""Papers as the scraper sends them (DESIGN.md's paper), core's pin/hide/sample flags, scrape job mirrors.

``search_vector`` is a stored generated column (title A > abstract B > authors C, English config),
so every write path — the raw-SQL bulk upsert, the admin, a shell — keeps it current.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, GistIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Func, Q

from portfolio_shared.schemas import MAX_URL_LENGTH

#: Name of the IMMUTABLE SQL wrapper around array_to_string (created by migration 0001): Postgres
#: marks array_to_string STABLE, which a generated column may not call directly.
AUTHORS_TEXT_FUNCTION = "papers_authors_text"
#: The text search configuration of the stored vector; queries must use the same one.
SEARCH_CONFIG = "english"


def _search_vector() -> SearchVector:
    authors = Func(F("authors"), function=AUTHORS_TEXT_FUNCTION, output_field=models.TextField())
    return (
        SearchVector("title", config=SEARCH_CONFIG, weight="A")
        + SearchVector("abstract", config=SEARCH_CONFIG, weight="B")
        + SearchVector(authors, config=SEARCH_CONFIG, weight="C")
    )


def title_search_vector() -> SearchVector:
    """The title's own vector, as its GIN index (``paper_title_search_gin``) stores it: a search's
    title-match candidates (papers.selectors) come from this index, not from the whole vector."""
    return SearchVector("title", config=SEARCH_CONFIG)


def _text_list() -> ArrayField:  # type: ignore[type-arg]
    return ArrayField(models.TextField(), blank=True, default=list)


class Paper(models.Model):
    """One paper, keyed by its version-less arXiv id. Null means "no source has told us"."""

    arxiv_id = models.CharField(max_length=40, unique=True)
    version = models.PositiveIntegerField(default=1)
    title = models.TextField()
    abstract = models.TextField(blank=True, default="")
    authors = _text_list()
    primary_category = models.TextField(null=True, blank=True)
    categories = _text_list()
    published = models.DateTimeField(null=True, blank=True)
    updated = models.DateTimeField(null=True, blank=True)
    abs_url = models.URLField(max_length=MAX_URL_LENGTH, null=True, blank=True)
    pdf_url = models.URLField(max_length=MAX_URL_LENGTH, null=True, blank=True)
    doi = models.TextField(null=True, blank=True)
    journal_ref = models.TextField(null=True, blank=True)
    comment = models.TextField(null=True, blank=True)
    sources = _text_list()
    hf_upvotes = models.PositiveIntegerField(null=True, blank=True)
    hf_comments = models.PositiveIntegerField(null=True, blank=True)
    github_repo = models.CharField(max_length=160, null=True, blank=True)
    github_stars = models.PositiveIntegerField(null=True, blank=True)
    project_url = models.URLField(max_length=MAX_URL_LENGTH, null=True, blank=True)
    ai_summary = models.TextField(null=True, blank=True)
    organization = models.TextField(null=True, blank=True)
    topics = _text_list()
    tags = _text_list()
    relevance = models.FloatField(default=0.0, validators=[MinValueValidator(0), MaxValueValidator(100)])
    relevance_components = models.JSONField(default=dict, blank=True)
    #: Hugging Face's image URL; the public sees core's proxy of it (``papers.thumbnails``), never this.
    thumbnail = models.URLField(max_length=MAX_URL_LENGTH, null=True, blank=True)

    # The owner's curation: no upsert ever writes these.
    pinned = models.BooleanField(default=False)
    hidden = models.BooleanField(default=False)
    #: One of the sample papers ``make run`` loads on an empty database (``papers.sample``), never
    #: a real one: the first real scrape hides them, ``manage.py remove_sample_data`` deletes them.
    sample = models.BooleanField(
        default=False,
        db_default=False,  # the upsert's INSERT leaves it out
        help_text="A sample paper a first run shows (written for the project, not a real arXiv paper).",
    )

    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    search_vector = models.GeneratedField(
        expression=_search_vector(), output_field=SearchVectorField(), db_persist=True
    )

    class Meta:
        ordering = ["-pinned", "-relevance", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(relevance__gte=0) & Q(relevance__lte=100), name="paper_relevance_0_100"
            ),
        ]
        indexes = [
            GinIndex(fields=["search_vector"], name="paper_search_gin"),
            GinIndex(fields=["title"], opclasses=["gin_trgm_ops"], name="paper_title_trgm"),
            GinIndex(title_search_vector(), name="paper_title_search_gin"),
            GinIndex(fields=["topics"], name="paper_topics_gin"),
            GinIndex(fields=["tags"], name="paper_tags_gin"),
            GinIndex(fields=["categories"], name="paper_categories_gin"),
            GinIndex(fields=["sources"], name="paper_sources_gin"),
            # One index per public ordering, pinned first, hidden rows left out as the API leaves them.
            models.Index(
                F("pinned").desc(),
                F("relevance").desc(),
                F("id").desc(),
                name="paper_order_relevance",
                condition=Q(hidden=False),
            ),
            models.Index(
                F("pinned").desc(),
                F("published").desc(nulls_last=True),
                F("id").desc(),
                name="paper_order_published",
                condition=Q(hidden=False),
            ),
            # Every real delivery looks for visible sample papers to hide (papers.sample): a few rows at most.
            models.Index(fields=["id"], name="paper_sample_visible", condition=Q(sample=True, hidden=False)),
            # Browsing by day (published_after/published_before) and the facets of a day.
            models.Index(F("published").desc(), name="paper_published", condition=Q(hidden=False)),
            models.Index(
                F("pinned").desc(),
                F("hf_upvotes").desc(nulls_last=True),
                F("id").desc(),
                name="paper_order_upvotes",
                condition=Q(hidden=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.arxiv_id}: {self.title[:80]}"


class TitleTerm(models.Model):
    """A word of some paper's title (lower case, 4+ characters): the dictionary a one-typo search
    is corrected against (papers.selectors). Filled by a trigger on ``papers_paper`` (migration
    0003), so every write path — the bulk upsert, COPY, the admin — adds its titles' words; words
    of deleted or retitled papers stay (a correction to them finds nothing, as before)."""

    term = models.TextField(primary_key=True)

    class Meta:
        indexes = [GistIndex(fields=["term"], opclasses=["gist_trgm_ops"], name="title_term_trgm")]

    def __str__(self) -> str:
        return self.term


class ScrapeJob(models.Model):
    """Core's mirror of a scraper job, kept by ``scraper.job.completed`` webhooks."""

    job_id = models.CharField(max_length=200, unique=True)
    source = models.CharField(max_length=20)
    state = models.CharField(max_length=20)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    counts = models.JSONField(default=dict)
    errors = models.JSONField(default=list)
    last_webhook_at = models.DateTimeField()
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-finished_at"]

    def __str__(self) -> str:
        return f"{self.job_id} ({self.source}, {self.state})"


class FacetCount(models.Model):
    """How many visible papers carry each topic, tag and source, overall and within each single filter.

    A row counts the visible papers that match the filter (``filter_kind``/``filter_value``; both
    ``""``: no filter) and carry ``facet_value`` in their ``facet_kind`` list (``facet_kind`` ``""``: all
    of them, the view's total). Triggers on ``papers_paper`` (migration 0002) keep it current with every
    statement that inserts, updates, deletes or truncates papers, from the delta of that statement's
    rows, so the facets endpoint reads the unfiltered and single-filter views without counting.
    """

    filter_kind = models.CharField(max_length=10)
    filter_value = models.TextField()
    facet_kind = models.CharField(max_length=10)
    facet_value = models.TextField()
    #: A plain integer: a statement's delta is applied as one signed sum per row.
    count = models.IntegerField()

    class Meta:
        indexes = [
            models.Index(
                "filter_kind",
                "filter_value",
                "facet_kind",
                F("count").desc(),
                "facet_value",
                name="facet_count_top",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["filter_kind", "filter_value", "facet_kind", "facet_value"], name="facet_count_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.filter_kind}={self.filter_value}: {self.facet_kind}={self.facet_value} ({self.count})"


class Thumbnail(models.Model):
    """A paper's thumbnail as core fetched it from the allow-listed upstream, served from here."""

    url = models.URLField(max_length=MAX_URL_LENGTH, unique=True)
    content_type = models.CharField(max_length=40)
    data = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    fetched = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.url
