"""What happens to an account, shared by the pages and the `omnicourse users` commands."""

from __future__ import annotations

import sqlalchemy as sa
from flask import g, session, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy.orm import Session

from app.auth import devices, sessions
from app.auth.passwords import MAX_LENGTH as MAX_PASSWORD_LENGTH
from app.auth.passwords import MIN_LENGTH as MIN_PASSWORD_LENGTH
from app.auth.passwords import password_problems
from app.i18n import current_locale
from app.models import ROLES, Learner, User, utcnow
from app.progress.learners import forget_browser, merge_browser_into

__all__ = [
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "create_user",
    "end_session",
    "find_user",
    "home_url",
    "normalize_email",
    "password_problems",
    "start_session",
]


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user(db: Session, email: str) -> User | None:
    return db.scalar(sa.select(User).where(User.email == normalize_email(email)))


def create_user(
    db: Session, email: str, password: str, role: str = "learner", *, verified: bool = False
) -> User:
    """Add an account and its learner record (not committed).

    `verified`: the address is known to be the owner's (an administrator made the account).
    """
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    user = User(email=normalize_email(email), role=role)
    user.set_password(password)
    if verified:
        user.email_verified_at = utcnow()
    user.learner = Learner()
    db.add(user)
    db.flush()
    return user


def start_session(db: Session, user: User) -> None:
    """Log `user` in on a fresh session from this browser, trust the browser for the
    account, and merge its guest progress into theirs."""
    if user.learner is None:
        user.learner = Learner()
        db.flush()
    if current_user.is_authenticated:  # someone else was signed in here: their session ends
        sessions.close(db, current_user.session_token)
    merge_browser_into(user.learner.id)
    sessions.open_session(db, user)
    devices.trust_this_device(db, user)
    db.commit()
    # A new session at login: nothing from before (a planted token) carries over.
    session.clear()
    login_user(user)
    session.permanent = True  # the cookie lasts as long as the longest session could
    # The form token goes into the new session now: otherwise the next pages, loaded
    # at once (a form and the page script's /api/token), would each add a different
    # one, and whichever cookie came last would make the other page's form "expired".
    g.pop("csrf_token", None)  # the login form's token, cached for this request only
    generate_csrf()


def end_session(db: Session) -> None:
    """Log out here: the session ends on the server, so a copy of its cookie is worthless."""
    if current_user.is_authenticated:
        sessions.close(db, current_user.session_token)
        db.commit()
    logout_user()
    session.clear()
    forget_browser()


def home_url() -> str:
    return url_for("learn.home", locale=current_locale())
