"""Document processor settings, from the environment only (see ``.env.example``)."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from portfolio_documents.processing.pdf.guard import DEFAULT_ADDRESS_SPACE_BYTES, MiB, required_address_space
from portfolio_shared.settings import DEV_SECRET, ServiceSettings, webhook_secrets

SERVICE = "documents"


class DocumentsSettings(ServiceSettings):
    service_name: str = SERVICE
    database_url: str = Field(
        default="postgresql+psycopg://postgres@127.0.0.1:5432/portfolio_documents", alias="DATABASE_URL"
    )

    github_api_url: str = Field(default="https://api.github.com", alias="GITHUB_API_URL")
    #: Optional: unauthenticated GitHub allows 60 requests an hour.
    github_token: SecretStr | None = Field(default=None, alias="GITHUB_TOKEN")
    #: Ports a fetch of a URL a client names (a PDF, GitHub) may dial, comma-separated; ``*`` allows
    #: any (local runs and tests, whose upstreams listen on free ports).
    outbound_allowed_ports: str = Field(default="80,443", alias="OUTBOUND_ALLOWED_PORTS")
    #: Local storage shared by the API and the worker (the default backend).
    media_root: str = Field(default="var/media", alias="MEDIA_ROOT")
    #: When set, files go to this Google Cloud Storage bucket instead of MEDIA_ROOT.
    gcs_bucket: str | None = Field(default=None, alias="GCS_BUCKET")
    max_upload_mb: int = Field(default=50, ge=1, alias="MAX_UPLOAD_MB")
    max_pdf_pages: int = Field(default=500, ge=1, alias="MAX_PDF_PAGES")

    #: The Chroma server shared by the API and the worker.
    chroma_url: str = Field(default="http://127.0.0.1:8004", alias="CHROMA_URL")
    #: Sent as ``Authorization: Bearer`` on every Chroma call when set (production: the token the
    #: proxy in front of Chroma checks; see infrastructure/kubernetes/chroma.yaml).
    chroma_auth_token: SecretStr | None = Field(default=None, alias="CHROMA_AUTH_TOKEN")
    #: An embedded Chroma directory, for a single process only (a CLI run, a unit test).
    chroma_path: str | None = Field(default=None, alias="CHROMA_PATH")
    embedding_provider: Literal["local", "vertex"] = Field(default="local", alias="EMBEDDING_PROVIDER")

    #: Signing secrets of the ``document.processed`` webhook, comma-separated, newest first.
    webhook_secrets_documents: SecretStr = Field(
        default=SecretStr(DEV_SECRET), alias="WEBHOOK_SECRETS_DOCUMENTS"
    )

    #: Hard limit of one Celery task; the soft limit (the task may clean up) comes 30 s earlier.
    task_time_limit: int = Field(default=900, ge=60, alias="TASK_TIME_LIMIT")
    #: Seconds before Redis hands an unacknowledged message to another worker (default: twice the
    #: hard time limit, so a running task is never redelivered; tests use a short one).
    broker_visibility_timeout: int | None = Field(default=None, ge=1, alias="BROKER_VISIBILITY_TIMEOUT")
    #: A child process is replaced after this many tasks, so leaks from PDF libraries cannot pile up.
    worker_max_tasks_per_child: int = Field(default=50, ge=1, alias="WORKER_MAX_TASKS_PER_CHILD")
    #: Address-space limit of each worker child (RLIMIT_AS), in MiB: a decompression bomb fails one task.
    #: Times the worker's ``--concurrency``, plus the main process, it must fit the container
    #: (tests/infra/test_worker_memory.py checks every manifest); production refuses a limit below
    #: what the inflation caps let PDFium use (``pdf_guard.required_address_space``).
    worker_memory_limit_mb: int = Field(
        default=DEFAULT_ADDRESS_SPACE_BYTES // MiB, ge=256, alias="WORKER_MEMORY_LIMIT_MB"
    )
    #: The Celery queue the API sends jobs to and the worker consumes.
    celery_queue: str = Field(default="documents", min_length=1, alias="CELERY_QUEUE")
    #: A job redelivered more often than this (its worker died each time) fails as ``worker_lost``.
    max_job_attempts: int = Field(default=3, ge=1, alias="MAX_JOB_ATTEMPTS")

    #: Chroma collections are named ``<prefix>-<embedding model>``; tests and benchmarks use their own.
    chroma_collection_prefix: str = Field(
        default="chunks",
        min_length=1,
        max_length=64,
        pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_-]*$",
        alias="CHROMA_COLLECTION_PREFIX",
    )
    #: Texts per call to the embedding provider (progress is reported per batch).
    embedding_batch_size: int = Field(default=32, ge=1, le=512, alias="EMBEDDING_BATCH_SIZE")
    summary_provider: Literal["local", "vertex"] = Field(default="local", alias="SUMMARY_PROVIDER")
    google_cloud_project: str | None = Field(default=None, alias="GOOGLE_CLOUD_PROJECT")
    google_cloud_location: str | None = Field(default=None, alias="GOOGLE_CLOUD_LOCATION")

    @field_validator("outbound_allowed_ports")
    @classmethod
    def _ports_or_any(cls, value: str) -> str:
        value = value.strip()
        if value != "*":
            ports = [p.strip() for p in value.split(",")]
            if not all(p.isdigit() and 1 <= int(p) <= 65535 for p in ports):
                raise ValueError("OUTBOUND_ALLOWED_PORTS is * or comma-separated ports (1-65535)")
        return value

    @property
    def outbound_ports(self) -> frozenset[int] | None:
        """The ports outbound fetches may dial; ``None`` allows any."""
        if self.outbound_allowed_ports == "*":
            return None
        return frozenset(int(p) for p in self.outbound_allowed_ports.split(","))

    @model_validator(mode="after")
    def _child_fits_the_inflation_caps(self) -> DocumentsSettings:
        # Tests lower the limit on purpose to make a child hit it; production must not.
        if self.environment == "production" and self.worker_memory_limit_bytes < required_address_space():
            raise ValueError(
                f"WORKER_MEMORY_LIMIT_MB={self.worker_memory_limit_mb} is below the "
                f"{required_address_space() // MiB} MiB a child needs to read what the inflation caps allow"
            )
        return self

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    @property
    def visibility_timeout(self) -> int:
        return self.broker_visibility_timeout or self.task_time_limit * 2

    @property
    def worker_memory_limit_bytes(self) -> int:
        return self.worker_memory_limit_mb * 1024 * 1024

    @property
    def trusted_core_base(self) -> str | None:
        """``CORE_PUBLIC_URL`` when set (never a default): a PDF under it, core's media such as the
        owner's CV, is fetched even at a private address or on another port, without redirects."""
        return str(self.core_public_url).rstrip("/") if self.core_public_url else None

    @property
    def chroma_heartbeat_url(self) -> str:
        return f"{self.chroma_url.rstrip('/')}/api/v2/heartbeat"

    @property
    def webhook_signing_secrets(self) -> list[str]:
        """The rotation list; the first secret signs."""
        return webhook_secrets(self.webhook_secrets_documents.get_secret_value())


@lru_cache
def get_settings() -> DocumentsSettings:
    """The process's settings, read once. Tests build their own or call ``get_settings.cache_clear()``."""
    return DocumentsSettings()
