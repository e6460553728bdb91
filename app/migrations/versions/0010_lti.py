"""LTI 1.3: registered platforms, their users, grade columns, the score outbox, launch cache.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lti_cache",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_lti_cache")),
    )
    op.create_index(op.f("ix_lti_cache_expires_at"), "lti_cache", ["expires_at"])
    op.create_table(
        "lti_platforms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("auth_login_url", sa.String(length=1000), nullable=False),
        sa.Column("token_url", sa.String(length=1000), nullable=False),
        sa.Column("keys_url", sa.String(length=1000), nullable=False),
        sa.Column("deployment_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_platforms")),
        sa.UniqueConstraint("issuer", "client_id", name=op.f("uq_lti_platforms_issuer")),
    )
    op.create_table(
        "lti_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("sub", sa.String(length=255), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["learners.id"],
            name=op.f("fk_lti_users_learner_id_learners"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["lti_platforms.id"],
            name=op.f("fk_lti_users_platform_id_lti_platforms"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_users")),
        sa.UniqueConstraint("learner_id", name=op.f("uq_lti_users_learner_id")),
        sa.UniqueConstraint("platform_id", "sub", name=op.f("uq_lti_users_platform_id")),
    )  # fmt: skip
    op.create_table(
        "lti_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lti_user_id", sa.Integer(), nullable=False),
        sa.Column("module_slug", sa.String(length=100), nullable=False),
        sa.Column("lineitem_url", sa.String(length=1000), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lti_user_id"], ["lti_users.id"],
            name=op.f("fk_lti_links_lti_user_id_lti_users"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_links")),
        sa.UniqueConstraint("lti_user_id", "lineitem_url", name=op.f("uq_lti_links_lti_user_id")),
    )  # fmt: skip
    op.create_table(
        "lti_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("scored_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_until", sa.DateTime(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("failed_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["link_id"], ["lti_links.id"],
            name=op.f("fk_lti_scores_link_id_lti_links"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_scores")),
        sa.UniqueConstraint("link_id", name=op.f("uq_lti_scores_link_id")),
    )  # fmt: skip
    op.create_index("ix_lti_scores_due", "lti_scores", ["sent_at", "failed_at", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_lti_scores_due", table_name="lti_scores")
    op.drop_table("lti_scores")
    op.drop_table("lti_links")
    op.drop_table("lti_users")
    op.drop_table("lti_platforms")
    op.drop_index(op.f("ix_lti_cache_expires_at"), table_name="lti_cache")
    op.drop_table("lti_cache")
