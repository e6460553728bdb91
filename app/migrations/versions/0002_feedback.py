"""Feedback on modules, its review trail, section votes, the form spam throttle.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("module_slug", sa.String(length=100), nullable=False),
        sa.Column("locale", sa.String(length=20), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("clarity", sa.Integer(), nullable=True),
        sa.Column("usefulness", sa.Integer(), nullable=True),
        sa.Column("improve", sa.Text(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("contact_consent", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('new', 'in_progress', 'done')", name=op.f("ck_feedback_status")
        ),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name=op.f("ck_feedback_rating")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_feedback_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
    )
    op.create_index(op.f("ix_feedback_created_at"), "feedback", ["created_at"])
    op.create_index(
        op.f("ix_feedback_module_slug"), "feedback", ["module_slug", "locale", "created_at"]
    )
    op.create_index(op.f("ix_feedback_status"), "feedback", ["status", "created_at"])
    op.create_table(
        "feedback_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feedback_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("actor_email", sa.String(length=254), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("old_status", sa.String(length=20), nullable=True),
        sa.Column("new_status", sa.String(length=20), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("action IN ('status', 'note')", name=op.f("ck_feedback_audit_action")),
        sa.ForeignKeyConstraint(
            ["feedback_id"],
            ["feedback.id"],
            name=op.f("fk_feedback_audit_feedback_id_feedback"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_feedback_audit_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_audit")),
    )
    op.create_index(op.f("ix_feedback_audit_feedback_id"), "feedback_audit", ["feedback_id", "id"])
    op.create_table(
        "section_votes",
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("module_slug", sa.String(length=100), nullable=False),
        sa.Column("section_id", sa.String(length=100), nullable=False),
        sa.Column("locale", sa.String(length=20), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["learners.id"],
            name=op.f("fk_section_votes_learner_id_learners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "learner_id", "module_slug", "section_id", name=op.f("pk_section_votes")
        ),
    )
    op.create_index(
        op.f("ix_section_votes_module_slug"), "section_votes", ["module_slug", "section_id"]
    )
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


def downgrade() -> None:
    op.drop_table("form_submissions")
    op.drop_table("section_votes")
    op.drop_table("feedback_audit")
    op.drop_table("feedback")
