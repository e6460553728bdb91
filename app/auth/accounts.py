"""What happens to an account, shared by the pages and the `omnicourse users` commands."""

from __future__ import annotations

import sqlalchemy as sa
from flask import g, session, url_for
from flask_login import login_user, logout_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy.orm import Session

from app.i18n import current_locale
from app.models import ROLES, Learner, User
from app.progress.learners import adopt_browser, forget_browser, merge_browser_into

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user(db: Session, email: str) -> User | None:
    return db.scalar(sa.select(User).where(User.email == normalize_email(email)))


def create_user(
    db: Session, email: str, password: str, role: str = "learner", *, from_browser: bool = False
) -> User:
    """Add an account and its learner record (not committed).

    With `from_browser`, the learner this browser has been as a guest becomes
    the account's, so nothing done before registering is lost.
    """
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    user = User(email=normalize_email(email), role=role)
    user.set_password(password)
    db.add(user)
    db.flush()
    if from_browser and adopt_browser(db, user.id):
        db.expire(user, ["learner"])
    else:
        user.learner = Learner()
    return user


def start_session(db: Session, user: User) -> None:
    """Log `user` in on a fresh session and merge this browser's guest progress into theirs."""
    if user.learner is None:
        user.learner = Learner()
        db.flush()
    merge_browser_into(user.learner.id)
    db.commit()
    # A new session at login: nothing from before (a planted token) carries over.
    session.clear()
    login_user(user)
    session.permanent = True  # idle sessions expire after PERMANENT_SESSION_LIFETIME
    # The form token goes into the new session now: otherwise the next pages, loaded
    # at once (a form and the page script's /api/token), would each add a different
    # one, and whichever cookie came last would make the other page's form "expired".
    g.pop("csrf_token", None)  # the login form's token, cached for this request only
    generate_csrf()


def end_session() -> None:
    logout_user()
    session.clear()
    forget_browser()


def home_url() -> str:
    return url_for("learn.home", locale=current_locale())
