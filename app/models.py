"""The data model: accounts, learners and their progress (typed SQLAlchemy 2.0).

A `Learner` is whoever makes progress: a browser without an account (found by
the random key in its cookie) or a user's account. Progress is kept per module
slug, never per locale, so it follows the learner from one language to another.
Feature models elsewhere (feedback, …) derive from the same `Base` and get a
migration in app/migrations/versions.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

ROLES = ("learner", "instructor", "translator", "admin")
DISPLAY_NAME_MAX = 100

# Stable constraint names, so migrations can alter tables on SQLite too.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def new_token() -> str:
    return secrets.token_urlsafe(32)


class Base(so.DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class User(UserMixin, Base):
    __tablename__ = "users"
    __table_args__ = (sa.CheckConstraint(f"role IN {ROLES!r}", name="role"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True)
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(255))
    role: so.Mapped[str] = so.mapped_column(sa.String(20), default="learner")
    locale: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    # The name on certificates (shown as text everywhere); None: the email's local part.
    display_name: so.Mapped[str | None] = so.mapped_column(sa.String(DISPLAY_NAME_MAX))
    # Flask-Login keeps this in the session instead of the id: a new token
    # (password change) ends every other session of the account.
    session_token: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True, default=new_token)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    learner: so.Mapped[Learner] = so.relationship(
        back_populates="user", lazy="joined", cascade="all, delete-orphan", passive_deletes=True
    )

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        return self.session_token

    def renew_session_token(self) -> None:
        self.session_token = new_token()

    @property
    def shown_name(self) -> str:
        """The display name, else the part of the email address before the @."""
        return self.display_name or self.email.partition("@")[0]

    def has_role(self, *roles: str) -> bool:
        """True for one of `roles`; an admin may do everything."""
        return self.role == "admin" or self.role in roles

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


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
    score: so.Mapped[int]
    total: so.Mapped[int]
    submitted_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    @property
    def ratio(self) -> float:
        return self.score / self.total if self.total else 0.0


class LoginFailure(Base):
    """A failed login, counted across every worker process to slow down guessing."""

    __tablename__ = "login_failures"
    __table_args__ = (
        sa.Index(None, "email_hash", "created_at"),
        sa.Index(None, "address", "created_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # A hash of the address tried, so the table keeps no list of emails.
    email_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    address: so.Mapped[str] = so.mapped_column(sa.String(45))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
