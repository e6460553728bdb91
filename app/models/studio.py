"""The studio's drafts and its record of publications.

A draft is one person's unpublished text of one module file; staff can preview it.
A publication keeps the text before and after, so it can be shown as a diff and
restored; the Markdown file itself stays the single source of truth.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.models.accounts import User
from app.models.base import Base, utcnow

STUDIO_TEXT_MAX = 512 * 1024  # characters of one module file, far above any real module
MESSAGE_MAX = 200


class StudioDraft(Base):
    __tablename__ = "studio_drafts"
    __table_args__ = (sa.UniqueConstraint("user_id", "locale", "slug"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    locale: so.Mapped[str] = so.mapped_column(sa.String(20))
    slug: so.Mapped[str] = so.mapped_column(sa.String(100))
    path: so.Mapped[str] = so.mapped_column(sa.String(300))  # inside the content folder
    text: so.Mapped[str] = so.mapped_column(sa.Text)
    # The git blob hash of the file when this draft was started: publishing over a file
    # that has changed since is a conflict.
    base_hash: so.Mapped[str] = so.mapped_column(sa.String(40))
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    user: so.Mapped[User] = so.relationship(lazy="joined")


class Publication(Base):
    __tablename__ = "publications"
    __table_args__ = (sa.Index(None, "locale", "slug", "created_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    author: so.Mapped[str] = so.mapped_column(sa.String(254))  # as it was when published
    locale: so.Mapped[str] = so.mapped_column(sa.String(20))
    slug: so.Mapped[str] = so.mapped_column(sa.String(100))
    path: so.Mapped[str] = so.mapped_column(sa.String(300))  # inside the content folder
    message: so.Mapped[str] = so.mapped_column(sa.String(MESSAGE_MAX))
    before_text: so.Mapped[str] = so.mapped_column(sa.Text)
    after_text: so.Mapped[str] = so.mapped_column(sa.Text)
    commit: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
