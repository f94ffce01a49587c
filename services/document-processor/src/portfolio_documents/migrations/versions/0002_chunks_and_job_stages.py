"""Chunks with their keyword index; job stages, timings and attempts; file hashes for dedup.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Kept literally here (not imported from models) so this revision never changes after it shipped.
TSV_EXPRESSION = (
    "setweight(jsonb_to_tsvector('english'::regconfig, heading_path, '[\"string\"]'::jsonb), 'A') || "
    "setweight(to_tsvector('english'::regconfig, text), 'B')"
)


def upgrade() -> None:
    op.add_column("processing_job", sa.Column("document_key", sa.String(512), nullable=True))
    op.add_column(
        "processing_job",
        sa.Column("timings", postgresql.JSONB(), nullable=False, server_default=sa.text("'{}'::jsonb")),
    )
    op.add_column("processing_job", sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("processing_job", sa.Column("worker_pid", sa.Integer(), nullable=True))
    op.add_column("processing_job", sa.Column("parent_id", postgresql.UUID(as_uuid=True), nullable=True))
    op.create_foreign_key(
        "processing_job_parent_id_fkey",
        "processing_job",
        "processing_job",
        ["parent_id"],
        ["id"],
        ondelete="CASCADE",
    )
    op.create_index("ix_processing_job_document_key", "processing_job", ["document_key"])
    op.create_index("ix_processing_job_parent_id", "processing_job", ["parent_id"])

    op.add_column("document", sa.Column("file_sha256", sa.String(64), nullable=True))
    op.add_column("document", sa.Column("embedding_model", sa.String(200), nullable=True))
    op.create_index("ix_document_file_sha256", "document", ["file_sha256"])

    op.create_table(
        "chunk",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column(
            "document_id",
            postgresql.UUID(as_uuid=True),
            sa.ForeignKey("document.id", ondelete="CASCADE", name="chunk_document_id_fkey"),
            nullable=False,
        ),
        sa.Column("document_key", sa.String(512), nullable=False),
        sa.Column("chunk_index", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("heading_path", postgresql.JSONB(), nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("page_start", sa.Integer(), nullable=True),
        sa.Column("page_end", sa.Integer(), nullable=True),
        sa.Column("char_start", sa.Integer(), nullable=False),
        sa.Column("char_end", sa.Integer(), nullable=False),
        sa.Column("metadata", postgresql.JSONB(), nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("tsv", postgresql.TSVECTOR(), sa.Computed(TSV_EXPRESSION, persisted=True), nullable=False),
    )
    op.create_index("ix_chunk_document_id", "chunk", ["document_id"])
    op.create_index("ix_chunk_document_key_index", "chunk", ["document_key", "chunk_index"], unique=True)
    op.create_index("ix_chunk_tsv", "chunk", ["tsv"], postgresql_using="gin")
    op.create_index(
        "ix_chunk_metadata",
        "chunk",
        ["metadata"],
        postgresql_using="gin",
        postgresql_ops={"metadata": "jsonb_path_ops"},
    )


def downgrade() -> None:
    op.drop_table("chunk")
    op.drop_index("ix_document_file_sha256", table_name="document")
    op.drop_column("document", "embedding_model")
    op.drop_column("document", "file_sha256")
    op.drop_index("ix_processing_job_parent_id", table_name="processing_job")
    op.drop_index("ix_processing_job_document_key", table_name="processing_job")
    op.drop_constraint("processing_job_parent_id_fkey", "processing_job", type_="foreignkey")
    for column in ("parent_id", "worker_pid", "attempts", "timings", "document_key"):
        op.drop_column("processing_job", column)
