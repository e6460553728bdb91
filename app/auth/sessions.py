"""Signed-in sessions kept on the server: revocable at once, idle timeout, absolute lifetime.

The session cookie carries a random token; the database keeps its hash in
`user_sessions`. Logging out deletes the row, so a copied cookie stops
working at once; so do a password change (every other session), a password
reset and "log out everywhere" (every session). A session ends by itself
after `SESSION_IDLE_MINUTES` without a request (30) and `SESSION_LIFETIME_HOURS`
after it began (12), whatever the cookie says.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, g, request
from sqlalchemy.orm import Session

from app.models import User, UserSession, new_token, token_hash, utcnow

# A request refreshes "last seen" at most this often: the idle timeout is exact
# to a minute without a write on every page.
TOUCH_EVERY = timedelta(seconds=60)
USER_AGENT_MAX = 200


def idle_timeout() -> timedelta:
    return timedelta(minutes=float(current_app.config["SESSION_IDLE_MINUTES"]))


def lifetime() -> timedelta:
    return timedelta(hours=float(current_app.config["SESSION_LIFETIME_HOURS"]))


def _is_over(row: UserSession, now: datetime) -> bool:
    return now - row.last_seen_at > idle_timeout() or now - row.created_at > lifetime()


def open_session(db: Session, user: User) -> str:
    """A new session for `user` from this browser (the caller commits); returns its token."""
    now = utcnow()
    _delete_ended(db, now)
    token = new_token()
    db.add(
        UserSession(
            user_id=user.id,
            token_hash=token_hash(token),
            created_at=now,
            last_seen_at=now,
            user_agent=request.user_agent.string[:USER_AGENT_MAX],
        )
    )
    user.session_token = token
    return token


def load(db: Session, token: str) -> User | None:
    """The account of a live session, refreshing its "last seen"; None if it ended."""
    row = db.scalar(sa.select(UserSession).where(UserSession.token_hash == token_hash(token)))
    if row is None:
        return None
    now = utcnow()
    if _is_over(row, now):
        db.delete(row)
        db.commit()
        g.session_timed_out = True
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        db.commit()
    user = row.user
    user.session_token = token
    g.user_session_id = row.id
    return user


def current_session_id() -> int | None:
    """The `user_sessions` row of this request's signed-in session."""
    return g.get("user_session_id")


def close(db: Session, token: str | None) -> None:
    """End one session (the caller commits)."""
    if token:
        db.execute(sa.delete(UserSession).where(UserSession.token_hash == token_hash(token)))


def close_all(db: Session, user_id: int, keep: str | None = None) -> int:
    """End every session of an account, but the one with token `keep`; how many ended."""
    statement = sa.delete(UserSession).where(UserSession.user_id == user_id)
    if keep:
        statement = statement.where(UserSession.token_hash != token_hash(keep))
    return db.execute(statement).rowcount


def close_one(db: Session, user_id: int, session_id: int) -> bool:
    """End the account's session `session_id`; False if it has none with that id."""
    deleted = db.execute(
        sa.delete(UserSession).where(UserSession.id == session_id, UserSession.user_id == user_id)
    )
    return deleted.rowcount == 1


def live_sessions(db: Session, user_id: int) -> list[UserSession]:
    """The account's sessions that have not ended, the most recently used first."""
    now = utcnow()
    rows = db.scalars(
        sa.select(UserSession)
        .where(UserSession.user_id == user_id)
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    ).all()
    return [row for row in rows if not _is_over(row, now)]


def _delete_ended(db: Session, now: datetime) -> None:
    """Sessions idle or older than their lifetime are gone for good (anyone's)."""
    db.execute(
        sa.delete(UserSession).where(
            sa.or_(
                UserSession.last_seen_at < now - idle_timeout(),
                UserSession.created_at < now - lifetime(),
            )
        )
    )
