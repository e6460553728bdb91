"""The studio: drafts, the record of publications, and the languages a translator edits.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("studio_locales", sa.String(200), nullable=False,
                                   server_default=""))  # fmt: skip
    op.create_table(
        "studio_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("locale", sa.String(20), nullable=False),
        sa.Column("slug", sa.String(100), nullable=False),
        sa.Column("path", sa.String(300), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("base_hash", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            ondelete="CASCADE",
            name=op.f("fk_studio_drafts_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_studio_drafts")),
        sa.UniqueConstraint(
            "user_id", "locale", "slug", name=op.f("uq_studio_drafts_user_id")
        ),
    )
    op.create_index(op.f("ix_studio_drafts_user_id"), "studio_drafts", ["user_id"])
    op.create_table(
        "publications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("author", sa.String(254), nullable=False),
        sa.Column("locale", sa.String(20), nullable=False),
        sa.Column("slug", sa.String(100), nullable=False),
        sa.Column("path", sa.String(300), nullable=False),
        sa.Column("message", sa.String(200), nullable=False),
        sa.Column("before_text", sa.Text(), nullable=False),
        sa.Column("after_text", sa.Text(), nullable=False),
        sa.Column("commit", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            ondelete="SET NULL",
            name=op.f("fk_publications_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publications")),
    )
    op.create_index(op.f("ix_publications_locale"), "publications",
                    ["locale", "slug", "created_at"])  # fmt: skip


def downgrade() -> None:
    op.drop_table("publications")
    op.drop_table("studio_drafts")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("studio_locales")
