"""Learners and their progress (typed SQLAlchemy 2.0).

A `Learner` is whoever makes progress: a browser without an account (found by
the random key in its cookie) or a user's account. Progress is kept per module
slug, never per locale, so it follows the learner from one language to another.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.models.base import Base, utcnow
from course.progress import score_ratio

if TYPE_CHECKING:
    from app.models.accounts import User


class Learner(Base):
    __tablename__ = "learners"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # The browser cookie's value while the learner has no account; None once owned.
    key: so.Mapped[str | None] = so.mapped_column(sa.String(64), unique=True)
    user_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    user: so.Mapped[User | None] = so.relationship(back_populates="learner")


class Progress(Base):
    """A learner's progress in one module, whatever the language it was read in."""

    __tablename__ = "progress"
    __table_args__ = (sa.UniqueConstraint("learner_id", "module_slug"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    learner_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("learners.id", ondelete="CASCADE"))
    module_slug: so.Mapped[str] = so.mapped_column(sa.String(100))
    audio_listened_at: so.Mapped[datetime | None]
    last_section_id: so.Mapped[str | None] = so.mapped_column(sa.String(100))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


class SectionRead(Base):
    """When a learner opened, read and listened to one section of a module."""

    __tablename__ = "section_reads"

    learner_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True
    )
    module_slug: so.Mapped[str] = so.mapped_column(sa.String(100), primary_key=True)
    section_id: so.Mapped[str] = so.mapped_column(sa.String(100), primary_key=True)
    opened_at: so.Mapped[datetime | None]
    read_at: so.Mapped[datetime | None]
    listened_at: so.Mapped[datetime | None]


class QuizDraw(Base):
    """The questions of a learner's next attempt at a module's self-test.

    Drawn when the self-test is first opened and kept until it is submitted, so
    a reload or another language shows the same questions; then a new one is drawn.
    """

    __tablename__ = "quiz_draws"
    __table_args__ = (sa.UniqueConstraint("learner_id", "module_slug"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    learner_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("learners.id", ondelete="CASCADE"))
    module_slug: so.Mapped[str] = so.mapped_column(sa.String(100))
    # Sent with the answers: a form from a draw graded since (another tab) names no open draw.
    token: so.Mapped[str] = so.mapped_column(
        sa.String(32), default=lambda: secrets.token_urlsafe(16)
    )
    # [{"id": question id, "order": [option keys as shown]}, …], see course.quiz.draw
    questions: so.Mapped[list[dict[str, Any]]] = so.mapped_column(sa.JSON)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


class QuizAttempt(Base):
    """One graded self-test submission, kept as it was answered."""

    __tablename__ = "quiz_attempts"
    __table_args__ = (sa.Index(None, "learner_id", "module_slug", "submitted_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    learner_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("learners.id", ondelete="CASCADE"))
    module_slug: so.Mapped[str] = so.mapped_column(sa.String(100))
    locale: so.Mapped[str] = so.mapped_column(sa.String(20))
    content_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    answers: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON)
    # The draw it answered (None for attempts made before self-tests were drawn).
    questions: so.Mapped[list[dict[str, Any]] | None] = so.mapped_column(sa.JSON)
    score: so.Mapped[float] = so.mapped_column(sa.Float)
    total: so.Mapped[int]
    submitted_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    @property
    def ratio(self) -> float:
        return score_ratio(self.score, self.total)
