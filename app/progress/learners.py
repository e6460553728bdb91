"""Who is learning: the account's learner, else the browser's, and merging the two.

A browser without an account is a learner found by the random key in its
`omnicourse_learner` cookie. Logging in (also for the first time, after
signing up) merges it into the account's, so nothing done as a guest is lost.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask import Response, current_app, g, request
from flask_login import current_user
from sqlalchemy.orm import Session
from werkzeug.exceptions import TooManyRequests

from app import ratelimit
from app.db import get_session
from app.models import Learner, LtiUser, Progress, QuizAttempt, SectionRead, new_token
from app.progress.store import upsert_modules, upsert_sections
from app.web import ONE_YEAR

LEARNER_COOKIE = "omnicourse_learner"
KEY_FORMAT = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def cookie_name() -> str:
    return current_app.config.get("LEARNER_COOKIE", LEARNER_COOKIE)


def browser_key() -> str | None:
    """The anonymous learner key this browser carries, if it looks like one."""
    key = request.cookies.get(cookie_name())
    return key if key and KEY_FORMAT.match(key) else None


def _browser_learner_id(session: Session) -> int | None:
    key = browser_key()
    if not key:
        return None
    return session.scalar(
        sa.select(Learner.id).where(Learner.key == key, Learner.user_id.is_(None))
    )


def current_learner_id() -> int | None:
    """The learner making this request (the account's, else the browser's), if there is one."""
    if current_user.is_authenticated:
        return current_user.learner.id if current_user.learner is not None else None
    return _browser_learner_id(get_session())


def ensure_current_learner() -> int:
    """The learner making this request, created if there is none yet.

    Call it only to record something worth keeping: a browser becomes a guest
    learner (a row) then, not when it merely looks. One network address may
    start NEW_GUESTS_PER_ADDRESS guests in a window; past that, a 429. A new
    guest keeps the key its cookie already has (see `browser_key_or_new`), or
    gets one in a cookie with the response (`remember_browser`).
    """
    session = get_session()
    if current_user.is_authenticated:
        if current_user.learner is None:
            current_user.learner = Learner()
            session.flush()
        return current_user.learner.id
    found = _browser_learner_id(session)
    if found is not None:
        return found
    wait = ratelimit.seconds_to_wait(session, ratelimit.NEW_GUESTS)
    if wait:
        raise TooManyRequests(retry_after=wait)
    ratelimit.record(session, ratelimit.NEW_GUESTS)
    learner = Learner(key=browser_key_or_new())
    session.add(learner)
    session.flush()
    return learner.id


def browser_key_or_new() -> str:
    """This browser's learner key; a new one (sent in a cookie with the response) if it has
    none. No row is made: a guest who only looks costs nothing to store."""
    key = browser_key() or g.get("new_learner_key")
    if key is None:
        key = g.new_learner_key = new_token()
    return key


def forget_browser() -> None:
    """Delete this browser's learner cookie with the response (it is merged, or logged out)."""
    g.forget_learner_cookie = True


def remember_browser(response: Response) -> Response:
    """Send the cookie of a learner created during this request, or forget a merged one."""
    secure = request.is_secure
    if g.get("new_learner_key"):
        response.set_cookie(
            cookie_name(),
            g.new_learner_key,
            max_age=ONE_YEAR,
            httponly=True,
            samesite="Lax",
            secure=secure,
        )
    elif g.get("forget_learner_cookie") and cookie_name() in request.cookies:
        response.delete_cookie(cookie_name(), httponly=True, samesite="Lax", secure=secure)
    return response


def merge_learner(session: Session, source_id: int, target_id: int) -> None:
    """Move everything of learner `source_id` into `target_id`, then delete the source.

    Sections read are a union, first times the earliest, last times the latest,
    attempts are moved: nothing is lost and nothing counted twice.
    """
    if source_id == target_id:
        return
    # Lock the source first (PostgreSQL) and write before reading (SQLite takes
    # its write lock here), so no event for the source slips in half-way.
    session.execute(sa.select(Learner.id).where(Learner.id == source_id).with_for_update())
    session.execute(
        sa.update(QuizAttempt)
        .where(QuizAttempt.learner_id == source_id)
        .values(learner_id=target_id)
    )
    modules = session.execute(
        sa.select(Progress.__table__).where(Progress.learner_id == source_id)
    ).mappings()
    upsert_modules(session, [{**_without_id(row), "learner_id": target_id} for row in modules])
    sections = session.execute(
        sa.select(SectionRead.__table__).where(SectionRead.learner_id == source_id)
    ).mappings()
    upsert_sections(session, [{**row, "learner_id": target_id} for row in sections])
    session.execute(sa.delete(Learner).where(Learner.id == source_id))


def _without_id(row: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in row.items() if name != "id"}


def merge_browser_into(user_learner_id: int) -> None:
    """Merge this browser's anonymous progress into the account's and forget the cookie."""
    if not browser_key():
        return
    session = get_session()
    source = _browser_learner_id(session)
    # A learning platform's learner stays its own (its grades go to the platform); the
    # browser only stops being that learner.
    if source is not None and not _is_lti_learner(session, source):
        merge_learner(session, source, user_learner_id)
    forget_browser()


def _is_lti_learner(session: Session, learner_id: int) -> bool:
    return session.scalar(sa.select(LtiUser.id).where(LtiUser.learner_id == learner_id)) is not None
