"""Feedback on modules, its review trail, and "was this section helpful?" votes."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.models.accounts import User
from app.models.base import Base, utcnow

STATUSES = ("new", "in_progress", "done")
AUDIT_STATUS, AUDIT_NOTE = "status", "note"
TEXT_MAX = 2000  # "what should we improve" and the comment, in characters
RATING_SCALE = range(1, 6)  # every rating is a whole number from 1 to 5


class Feedback(Base):
    """One learner's feedback on one module, as sent (text is stored as typed, never as HTML)."""

    __tablename__ = "feedback"
    __table_args__ = (
        sa.CheckConstraint(f"status IN {STATUSES!r}", name="status"),
        sa.CheckConstraint(
            f"rating BETWEEN {RATING_SCALE[0]} AND {RATING_SCALE[-1]}", name="rating"
        ),
        sa.Index(None, "created_at"),
        sa.Index(None, "module_slug", "locale", "created_at"),
        sa.Index(None, "status", "created_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    module_slug: so.Mapped[str] = so.mapped_column(sa.String(100))
    locale: so.Mapped[str] = so.mapped_column(sa.String(20))
    # The content version the learner saw (the shown module file's hash).
    content_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    user_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    rating: so.Mapped[int]
    clarity: so.Mapped[int | None]
    usefulness: so.Mapped[int | None]
    improve: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    comment: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    email: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    contact_consent: so.Mapped[bool] = so.mapped_column(default=False)
    status: so.Mapped[str] = so.mapped_column(sa.String(20), default="new")
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    user: so.Mapped[User | None] = so.relationship(lazy="joined")
    audit: so.Mapped[list[FeedbackAudit]] = so.relationship(
        back_populates="feedback",
        order_by="FeedbackAudit.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class FeedbackAudit(Base):
    """A status change or an internal note on a feedback: who, what, when."""

    __tablename__ = "feedback_audit"
    __table_args__ = (
        sa.CheckConstraint(f"action IN {(AUDIT_STATUS, AUDIT_NOTE)!r}", name="action"),
        sa.Index(None, "feedback_id", "id"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    feedback_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("feedback.id", ondelete="CASCADE"))
    user_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    # Kept as text too, so the trail still names the person after the account is deleted.
    actor_email: so.Mapped[str] = so.mapped_column(sa.String(254))
    action: so.Mapped[str] = so.mapped_column(sa.String(20))
    old_status: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    new_status: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    note: so.Mapped[str | None] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    feedback: so.Mapped[Feedback] = so.relationship(back_populates="audit")


class SectionVote(Base):
    """A learner's answer to "was this section helpful?"; voting again replaces it."""

    __tablename__ = "section_votes"
    __table_args__ = (sa.Index(None, "module_slug", "section_id"),)

    learner_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True
    )
    module_slug: so.Mapped[str] = so.mapped_column(sa.String(100), primary_key=True)
    section_id: so.Mapped[str] = so.mapped_column(sa.String(100), primary_key=True)
    locale: so.Mapped[str] = so.mapped_column(sa.String(20))
    helpful: so.Mapped[bool]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
