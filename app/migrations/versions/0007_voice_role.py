"""The voice role: people who record the course's audio, section by section.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BEFORE = "role IN ('learner', 'instructor', 'translator', 'admin')"
AFTER = "role IN ('learner', 'instructor', 'translator', 'voice', 'admin')"


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(op.f("ck_users_role"), type_="check")
        batch.create_check_constraint("role", AFTER)


def downgrade() -> None:
    op.execute("UPDATE users SET role = 'learner' WHERE role = 'voice'")
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(op.f("ck_users_role"), type_="check")
        batch.create_check_constraint("role", BEFORE)
