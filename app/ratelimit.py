"""One sliding-window rate limiter for every limit, kept in the database across workers.

Each counted action leaves a row (app/models/limits.py) with a keyed hash of
the client's network address and, when it is about someone, of that too. A
limit allows `count` rows inside its window per client, per subject or per
both; a request over it waits until the oldest of those rows leaves the window.

    wait = ratelimit.seconds_to_wait(db, [FEEDBACK])
    if not wait:
        ...                                # do the work
        ratelimit.record(db, [FEEDBACK])   # the caller commits
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, request
from sqlalchemy.orm import Session

from app.models import RateLimitHit, utcnow

PER_CLIENT, PER_SUBJECT, PER_CLIENT_AND_SUBJECT = "client", "subject", "client+subject"


@dataclass(frozen=True)
class Limit:
    """At most `count` of `action` per `per` in `window` seconds; config keys override both."""

    action: str
    per: str
    count_setting: str
    count: int
    window_setting: str
    window: int

    def budget(self) -> tuple[int, timedelta]:
        config = current_app.config
        count = int(config.get(self.count_setting, self.count))
        window = int(config.get(self.window_setting, self.window))
        return count, timedelta(seconds=window)


LOGIN_FAILURE = "login-failure"
FEEDBACK = Limit("feedback", PER_CLIENT, "FEEDBACK_LIMIT", 5, "FEEDBACK_WINDOW_SECONDS", 600)
SECTION_VOTE = Limit(
    "section-vote", PER_CLIENT, "SECTION_VOTE_LIMIT", 60, "SECTION_VOTE_WINDOW_SECONDS", 600
)
# Self-test attempts per learner and module (the subject names both): one a minute and
# ten a day; a guest's browser is a learner, so clearing cookies also meets the budget
# per address and module.
QUIZ_ATTEMPTS = (
    Limit("quiz-attempt", PER_SUBJECT, "QUIZ_ATTEMPTS_PER_MINUTE", 1,
          "QUIZ_SHORT_WINDOW_SECONDS", 60),
    Limit("quiz-attempt", PER_SUBJECT, "QUIZ_ATTEMPTS_PER_DAY", 10,
          "QUIZ_LONG_WINDOW_SECONDS", 86_400),
)  # fmt: skip
GUEST_QUIZ_ATTEMPTS = (
    Limit("quiz-attempt-address", PER_CLIENT_AND_SUBJECT, "QUIZ_GUEST_ATTEMPTS_PER_ADDRESS", 30,
          "QUIZ_LONG_WINDOW_SECONDS", 86_400),
)  # fmt: skip
# Failed logins, three budgets in one window: one account from one address (stops
# guessing one password), one address (stops trying many accounts), one account
# (stops a guesser spread over many machines, high enough that others rarely lock
# a real user out).
LOGIN_FAILURES = (
    Limit(LOGIN_FAILURE, PER_CLIENT_AND_SUBJECT, "LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS", 5,
          "LOGIN_FAILURE_WINDOW_SECONDS", 900),
    Limit(LOGIN_FAILURE, PER_CLIENT, "LOGIN_FAILURES_PER_ADDRESS", 30,
          "LOGIN_FAILURE_WINDOW_SECONDS", 900),
    Limit(LOGIN_FAILURE, PER_SUBJECT, "LOGIN_FAILURES_PER_ACCOUNT", 100,
          "LOGIN_FAILURE_WINDOW_SECONDS", 900),
)  # fmt: skip


def keyed_hash(text: str) -> str:
    """A hash of `text` keyed with the app's secret: the table holds no addresses."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def client_key() -> str:
    return keyed_hash((request.remote_addr or "unknown")[:45])


def _matching(limit: Limit, subject: str | None) -> list[sa.ColumnElement[bool]]:
    conditions = [RateLimitHit.action == limit.action]
    if limit.per in (PER_CLIENT, PER_CLIENT_AND_SUBJECT):
        conditions.append(RateLimitHit.client == client_key())
    if limit.per in (PER_SUBJECT, PER_CLIENT_AND_SUBJECT):
        conditions.append(RateLimitHit.subject == keyed_hash(subject or ""))
    return conditions


def seconds_to_wait(
    db: Session, limits: Sequence[Limit], subject: str | None = None, now: datetime | None = None
) -> int:
    """How long this client must wait before acting again; 0 when it may now."""
    now = now or utcnow()
    wait = 0.0
    for limit in limits:
        count, window = limit.budget()
        recent = db.scalars(
            sa.select(RateLimitHit.created_at)
            .where(*_matching(limit, subject), RateLimitHit.created_at > now - window)
            .order_by(RateLimitHit.created_at.desc())
            .limit(count)
        ).all()
        if len(recent) >= count:
            # Allowed again when the oldest of the last `count` rows leaves the window.
            wait = max(wait, (recent[-1] + window - now).total_seconds(), 1)
    return math.ceil(wait)


def record(db: Session, limits: Sequence[Limit], subject: str | None = None) -> None:
    """Count one action of `limits` by this client (the caller commits).

    Rows of that action older than the longest window are deleted on the way.
    """
    now = utcnow()
    for action in {limit.action for limit in limits}:
        window = max(limit.budget()[1] for limit in limits if limit.action == action)
        db.execute(
            sa.delete(RateLimitHit).where(
                RateLimitHit.action == action, RateLimitHit.created_at < now - window
            )
        )
        db.add(
            RateLimitHit(
                action=action,
                client=client_key(),
                subject=keyed_hash(subject) if subject is not None else None,
                created_at=now,
            )
        )


def forget(db: Session, limits: Sequence[Limit], subject: str) -> None:
    """Give this client a full budget again for `subject` (e.g. after a successful login)."""
    for action in {limit.action for limit in limits}:
        db.execute(
            sa.delete(RateLimitHit).where(
                RateLimitHit.action == action,
                RateLimitHit.client == client_key(),
                RateLimitHit.subject == keyed_hash(subject),
            )
        )


def forget_subject(db: Session, subject: str) -> None:
    """Delete every row about `subject`, from any client (an account being deleted)."""
    db.execute(sa.delete(RateLimitHit).where(RateLimitHit.subject == keyed_hash(subject)))
