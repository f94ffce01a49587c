"""Per-source job rows (with the one-running-job-per-source index), seen papers, job phase and timings.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
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

STATE_CHECK = "state IN ('queued', 'running', 'succeeded', 'partial', 'failed')"


def upgrade() -> None:
    # The per-source progress moves to scrape_job_source; the job keeps an overall percentage.
    op.drop_column("scrape_job", "progress")
    op.add_column("scrape_job", sa.Column("progress", sa.SmallInteger(), nullable=False, server_default="0"))
    op.add_column("scrape_job", sa.Column("phase", sa.String(16), nullable=True))
    op.add_column(
        "scrape_job",
        sa.Column("timings", postgresql.JSONB(), nullable=False, server_default=sa.text("'{}'::jsonb")),
    )
    op.create_check_constraint("scrape_job_state", "scrape_job", STATE_CHECK)

    op.create_table(
        "scrape_job_source",
        sa.Column(
            "job_id",
            postgresql.UUID(as_uuid=True),
            sa.ForeignKey("scrape_job.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("source", sa.String(16), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False, server_default="queued"),
        sa.Column("progress", sa.SmallInteger(), nullable=False, server_default="0"),
        sa.Column("fetched", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("counts", postgresql.JSONB(), nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("error", postgresql.JSONB(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.text("true")),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(STATE_CHECK, name="scrape_job_source_state"),
    )
    op.create_index(
        "ux_scrape_job_source_active",
        "scrape_job_source",
        ["source"],
        unique=True,
        postgresql_where=sa.text("active"),
    )

    op.create_table(
        "seen_paper",
        sa.Column("arxiv_id", sa.Text(), primary_key=True),
        sa.Column("source", sa.String(16), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("last_sent_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("last_job_id", postgresql.UUID(as_uuid=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("seen_paper")
    op.drop_index("ux_scrape_job_source_active", table_name="scrape_job_source")
    op.drop_table("scrape_job_source")
    op.drop_constraint("scrape_job_state", "scrape_job", type_="check")
    op.drop_column("scrape_job", "timings")
    op.drop_column("scrape_job", "phase")
    op.drop_column("scrape_job", "progress")
    op.add_column(
        "scrape_job",
        sa.Column("progress", postgresql.JSONB(), nullable=False, server_default=sa.text("'{}'::jsonb")),
    )
