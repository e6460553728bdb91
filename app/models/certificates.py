"""Issued certificates: one per learner and achievement, found again by its code."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.models.accounts import User
from app.models.base import Base, utcnow

# What a certificate is for: a module's slug, or this for the whole course. It
# cannot be a slug (slugs are lowercase letters, digits and "-"), so a module
# called "course" keeps a certificate of its own.
WHOLE_COURSE = "_course"


class Certificate(Base):
    """A certificate of completion; asking again for the same one returns this row."""

    __tablename__ = "certificates"
    __table_args__ = (sa.UniqueConstraint("user_id", "subject"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    subject: so.Mapped[str] = so.mapped_column(sa.String(100))
    # The language it was first asked for in; it can be downloaded in any other.
    locale: so.Mapped[str] = so.mapped_column(sa.String(20))
    completed_at: so.Mapped[datetime]
    issued_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    user: so.Mapped[User] = so.relationship()

    @property
    def whole_course(self) -> bool:
        return self.subject == WHOLE_COURSE
