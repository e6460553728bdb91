"""One table for every rate limit: failed logins and form spam are counted alike.

The rows it replaces only ever held the last few minutes, so nothing worth
keeping is dropped.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_limit_hits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_limit_hits")),
    )
    op.create_index(
        "ix_rate_limit_hits_client", "rate_limit_hits", ["action", "client", "created_at"]
    )
    op.create_index(
        "ix_rate_limit_hits_subject", "rate_limit_hits", ["action", "subject", "created_at"]
    )
    op.drop_table("login_failures")
    op.drop_table("form_submissions")


def downgrade() -> None:
    op.create_table(
        "form_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("form", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_submissions")),
    )
    op.create_index(
        op.f("ix_form_submissions_client"), "form_submissions", ["client", "form", "created_at"]
    )
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email_hash", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=45), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    op.create_index(
        op.f("ix_login_failures_email_hash"), "login_failures", ["email_hash", "created_at"]
    )
    op.create_index(op.f("ix_login_failures_address"), "login_failures", ["address", "created_at"])
    op.drop_table("rate_limit_hits")
