"""Self-tests drawn from a question bank: the draw of each attempt, and partial points.

Attempts made before keep their answers and get no draw (they showed every
question in order); their whole-number scores stay as they were.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quiz_draws",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("module_slug", sa.String(length=100), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["learners.id"],
            name=op.f("fk_quiz_draws_learner_id_learners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_draws")),
        sa.UniqueConstraint("learner_id", "module_slug", name=op.f("uq_quiz_draws_learner_id")),
    )
    with op.batch_alter_table("quiz_attempts") as batch:
        batch.add_column(sa.Column("questions", sa.JSON(), nullable=True))
        batch.alter_column(
            "score", existing_type=sa.Integer(), type_=sa.Float(), existing_nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table("quiz_attempts") as batch:
        batch.alter_column(
            "score", existing_type=sa.Float(), type_=sa.Integer(), existing_nullable=False
        )
        batch.drop_column("questions")
    op.drop_table("quiz_draws")
