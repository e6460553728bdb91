"""Accounts: who may sign in, with which role and language."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from app.models.base import Base, utcnow

if TYPE_CHECKING:
    from app.models.progress import Learner

ROLES = ("learner", "instructor", "translator", "voice", "admin")
DISPLAY_NAME_MAX = 100


class User(UserMixin, Base):
    __tablename__ = "users"
    __table_args__ = (sa.CheckConstraint(f"role IN {ROLES!r}", name="role"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True)
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(255))
    role: so.Mapped[str] = so.mapped_column(sa.String(20), default="learner")
    locale: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    # The name on certificates (shown as text everywhere); certificates ask for one first.
    display_name: so.Mapped[str | None] = so.mapped_column(sa.String(DISPLAY_NAME_MAX))
    # When the owner proved the address is theirs (a link sent to it); certificates need it.
    email_verified_at: so.Mapped[datetime | None]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    # The languages a translator may edit in the studio, space-separated ("pl zh").
    studio_locales: so.Mapped[str] = so.mapped_column(sa.String(200), default="")

    learner: so.Mapped[Learner] = so.relationship(
        back_populates="user", lazy="joined", cascade="all, delete-orphan", passive_deletes=True
    )

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    # The signed-in session this request came with (app/auth/sessions.py sets it):
    # Flask-Login keeps its token in the cookie instead of the account's id.
    session_token = None  # type: str | None

    def get_id(self) -> str | None:
        return self.session_token

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    def has_role(self, *roles: str) -> bool:
        """True for one of `roles`; an admin may do everything."""
        return self.role == "admin" or self.role in roles

    def may_edit(self, locale: str, source_locale: str) -> bool:
        """True when the studio lets this account publish files in `locale`: admins any,
        instructors the source language, translators the languages they were given."""
        if self.role == "admin":
            return True
        if self.role == "instructor":
            return locale == source_locale
        return self.role == "translator" and locale in self.studio_locales.split()

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


def token_hash(token: str) -> str:
    """What the database keeps of a secret token: a leaked table opens no session."""
    return hashlib.sha256(token.encode()).hexdigest()


class UserSession(Base):
    """One signed-in browser of an account; deleting the row ends that session at once."""

    __tablename__ = "user_sessions"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    last_seen_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    # The browser's own description, shown to the owner so they recognise their devices.
    user_agent: so.Mapped[str] = so.mapped_column(sa.String(200), default="")

    user: so.Mapped[User] = so.relationship(lazy="joined")


class TrustedDevice(Base):
    """A browser that has logged in to an account before (its cookie holds the token).

    Failed logins from elsewhere cannot lock the owner out of a device they use.
    """

    __tablename__ = "trusted_devices"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    last_used_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


VERIFY_EMAIL, RESET_PASSWORD, CHANGE_EMAIL = "verify-email", "reset-password", "change-email"
TOKEN_PURPOSES = (VERIFY_EMAIL, RESET_PASSWORD, CHANGE_EMAIL)


class AccountToken(Base):
    """A single-use link sent by email: confirm the address, reset the password, change it."""

    __tablename__ = "account_tokens"
    __table_args__ = (sa.CheckConstraint(f"purpose IN {TOKEN_PURPOSES!r}", name="purpose"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    purpose: so.Mapped[str] = so.mapped_column(sa.String(20))
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    # The address being confirmed: the account's own, or the new one it changes to.
    email: so.Mapped[str] = so.mapped_column(sa.String(254))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    expires_at: so.Mapped[datetime]
    used_at: so.Mapped[datetime | None]

    user: so.Mapped[User] = so.relationship(lazy="joined")
