"""The document processor's requests and answers: what to index, jobs, stored documents, search."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, Field, model_validator

from portfolio_shared.schemas._base import (
    CleanNonEmptyStr,
    CleanStr,
    DocumentSourceType,
    HttpUrlStr,
    JobError,
    JobState,
    NonEmptyStr,
    PrintableId,
    ResponseModel,
    StrictModel,
)

#: Chroma keeps only scalar metadata, so that is all a document may carry; strings lose their
#: control characters (:data:`CleanStr`), and a key must keep some text.
MetadataValue = CleanStr | int | float | bool
Metadata = dict[CleanNonEmptyStr, MetadataValue]
DocumentKey = PrintableId
Count = Annotated[int, Field(ge=0)]


class TextForIndexing(StrictModel):
    """Body of ``POST /process/text``. The same ``document_key`` again replaces that document."""

    document_key: DocumentKey
    title: CleanNonEmptyStr
    text: CleanNonEmptyStr
    format: Literal["markdown", "text", "html"] = "text"
    source_url: HttpUrlStr | None = None
    metadata: Metadata = Field(default_factory=dict)


class PdfUrlRequest(StrictModel):
    """JSON body of ``POST /process/pdf``: a PDF to fetch. Without a key the processor derives one."""

    url: HttpUrlStr
    document_key: DocumentKey | None = None
    title: CleanStr | None = None
    metadata: Metadata = Field(default_factory=dict)


class GithubRequest(StrictModel):
    """Body of ``POST /process/github``: ``owner/name`` or the repository's URL."""

    repo: NonEmptyStr
    document_key: DocumentKey | None = None
    metadata: Metadata = Field(default_factory=dict)


class JobAccepted(ResponseModel):
    """202 answer of every endpoint that starts a job."""

    job_id: NonEmptyStr
    status_url: NonEmptyStr


class JobResult(ResponseModel):
    """What a succeeded processing job produced."""

    document_id: NonEmptyStr
    pages: Count = 0
    chunks: Count = 0
    characters: Count = 0
    summary: str | None = None


class ProcessingJob(ResponseModel):
    """A processing job (``GET /process/status/{id}``).

    ``error`` is set when it failed, ``result`` when it succeeded;
    ``source`` says what it processes: ``pdf``, ``github``, ``text`` or ``batch``.
    """

    id: NonEmptyStr
    state: JobState
    progress: int = Field(default=0, ge=0, le=100)
    source: NonEmptyStr
    document_key: str | None = None
    error: JobError | None = None
    result: JobResult | None = None
    created_at: AwareDatetime | None = None
    updated_at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _outcome_matches_state(self) -> ProcessingJob:
        if self.state == "failed" and self.error is None:
            raise ValueError("a failed job carries its error")
        if self.state == "succeeded" and self.result is None:
            raise ValueError("a succeeded job carries its result")
        return self


class DocumentInfo(ResponseModel):
    """A stored document: the 200 answer when the same content is already processed."""

    document_id: NonEmptyStr
    document_key: NonEmptyStr
    source_type: DocumentSourceType
    source_url: str | None = None
    title: str | None = None
    pages: Count = 0
    chunks: Count = 0
    characters: Count = 0
    summary: str | None = None
    content_sha256: str | None = None
    created_at: AwareDatetime | None = None


class SearchRequest(StrictModel):
    """Body of ``POST /search``: hybrid search over the stored chunks.

    ``filters`` match chunk metadata exactly; a list value matches any of its items. ``subject``
    (optional) names whom the questions are about, such as the site owner: the keyword side
    counts its words only when the query asks nothing else, so "Where did <name> study?" is about
    studying, not about the one document that holds the name.
    """

    query: Annotated[CleanNonEmptyStr, Field(max_length=2000)]
    k: int = Field(default=5, ge=1, le=50)
    filters: dict[CleanNonEmptyStr, MetadataValue | list[MetadataValue]] = Field(default_factory=dict)
    subject: Annotated[CleanNonEmptyStr, Field(max_length=200)] | None = None


class SearchScores(ResponseModel):
    """How a hit ranked on each side (``None``: that side did not find it) and the fused RRF score.

    The keyword side's features, for a caller's relevance floor or reranker: ``keyword_coverage``
    is the share of the query's term weight (idf; a related word at its 0.8 boost) the chunk matches, 0-1;
    ``title_hit`` / ``heading_hit`` say whether a query term is in the document's title / the
    chunk's heading path. Chatter words ("tell", "know", "use", ...) are not query terms.
    """

    fused: float
    vector: float | None = None
    vector_rank: int | None = None
    keyword: float | None = None
    keyword_rank: int | None = None
    keyword_coverage: float | None = Field(default=None, ge=0, le=1)
    title_hit: bool = False
    heading_hit: bool = False


class SearchHit(ResponseModel):
    """One ranked chunk: the one shape of a hit, which the processor answers and the chatbot reads.

    ``score`` is the fused score (higher is better) and ``scores`` each side's; ``page`` is the PDF
    page the chunk starts on (its text marks later pages with ``contracts.PAGE_BREAK``),
    ``heading_path`` the sections it stands in, outermost first, and ``chunk_index`` its place in
    its document (0: the opening).
    """

    chunk_id: NonEmptyStr
    document_id: NonEmptyStr
    document_key: NonEmptyStr
    title: str | None = None
    text: str
    score: float
    source_type: DocumentSourceType | None = None
    source_url: str | None = None
    page: int | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    heading_path: list[str] = Field(default_factory=list)
    chunk_index: int
    scores: SearchScores


class SearchResponse(ResponseModel):
    """Answer of ``POST /search``: hits best first."""

    query: str
    results: list[SearchHit]


class SimilarRequest(StrictModel):
    """Body of ``POST /similar``: the ``k`` documents nearest to a stored document.

    The query is the document's own stored vectors (no text is embedded); ``filters`` restrict the
    neighbours as ``/search``'s do (exact metadata match, a list matches any of its items); the
    document itself is never among them.
    """

    document_key: DocumentKey
    k: int = Field(default=5, ge=1, le=50)
    filters: dict[CleanNonEmptyStr, MetadataValue | list[MetadataValue]] = Field(default_factory=dict)


class SimilarDocument(ResponseModel):
    """One neighbour: its best chunk's cosine similarity to the document (higher is nearer)."""

    document_key: NonEmptyStr
    title: str | None = None
    source_url: str | None = None
    score: float
    metadata: dict[str, Any] = Field(default_factory=dict)


class SimilarResponse(ResponseModel):
    """Answer of ``POST /similar``: nearest first."""

    document_key: str
    results: list[SimilarDocument] = Field(default_factory=list)
