"""Accounts: who may sign in, with which role and language."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from app.models.base import Base, new_token, utcnow

if TYPE_CHECKING:
    from app.models.progress import Learner

ROLES = ("learner", "instructor", "translator", "admin")
DISPLAY_NAME_MAX = 100


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
