"""The keyword index weighs the document's title (A) above headings (B) above text (D).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07

Postgres 15 cannot change a generated column's expression in place, so the column is dropped and
added again: adding a stored generated column rewrites the table and computes it for every row
already stored, which is the backfill (no re-embedding, no reindex from core). The GIN index is
rebuilt on the new column. Downgrading restores 0002's expression the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Kept literally here (not imported from models) so this revision never changes after it shipped.
TSV_EXPRESSION = (
    "setweight(to_tsvector('english'::regconfig, coalesce(metadata ->> 'title', '')), 'A') || "
    "setweight(jsonb_to_tsvector('english'::regconfig, heading_path, '[\"string\"]'::jsonb), 'B') || "
    "setweight(to_tsvector('english'::regconfig, text), 'D')"
)
PREVIOUS_EXPRESSION = (
    "setweight(jsonb_to_tsvector('english'::regconfig, heading_path, '[\"string\"]'::jsonb), 'A') || "
    "setweight(to_tsvector('english'::regconfig, text), 'B')"
)


def _rebuild(expression: str) -> None:
    op.drop_index("ix_chunk_tsv", table_name="chunk")
    op.drop_column("chunk", "tsv")
    op.add_column(
        "chunk",
        sa.Column("tsv", postgresql.TSVECTOR(), sa.Computed(expression, persisted=True), nullable=False),
    )
    op.create_index("ix_chunk_tsv", "chunk", ["tsv"], postgresql_using="gin")


def upgrade() -> None:
    _rebuild(TSV_EXPRESSION)


def downgrade() -> None:
    _rebuild(PREVIOUS_EXPRESSION)
