"""Failed-login limits kept in the database, so they hold across every worker process.

Three budgets in a sliding window: per address tried from one network address
(stops guessing one password), per network address (stops trying many
accounts) and per address tried (stops a guesser spread over many machines,
with a limit high enough that a real user is rarely locked out by others).
"""

from __future__ import annotations

import hashlib
import hmac
import math
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, request
from sqlalchemy.orm import Session

from app.models import LoginFailure, utcnow

DEFAULTS = {
    "LOGIN_FAILURE_WINDOW_SECONDS": 15 * 60,
    "LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS": 5,
    "LOGIN_FAILURES_PER_ADDRESS": 30,
    "LOGIN_FAILURES_PER_ACCOUNT": 100,
}


def _setting(name: str) -> int:
    return int(current_app.config.get(name, DEFAULTS[name]))


def email_hash(email: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, email.encode(), hashlib.sha256).hexdigest()


def client_address() -> str:
    return (request.remote_addr or "unknown")[:45]


def seconds_to_wait(db: Session, email: str, now: datetime | None = None) -> int:
    """How long this client must wait before trying `email` again; 0 when it may try now."""
    now = now or utcnow()
    window = timedelta(seconds=_setting("LOGIN_FAILURE_WINDOW_SECONDS"))
    hashed, address = email_hash(email), client_address()
    budgets = [
        (
            _setting("LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS"),
            (LoginFailure.email_hash == hashed) & (LoginFailure.address == address),
        ),
        (_setting("LOGIN_FAILURES_PER_ADDRESS"), LoginFailure.address == address),
        (_setting("LOGIN_FAILURES_PER_ACCOUNT"), LoginFailure.email_hash == hashed),
    ]
    wait = 0.0
    for limit, condition in budgets:
        recent = db.scalars(
            sa.select(LoginFailure.created_at)
            .where(condition, LoginFailure.created_at > now - window)
            .order_by(LoginFailure.created_at.desc())
            .limit(limit)
        ).all()
        if len(recent) >= limit:
            # Allowed again when the oldest of the last `limit` failures leaves the window.
            wait = max(wait, (recent[-1] + window - now).total_seconds())
    return math.ceil(wait)


def record_failure(db: Session, email: str) -> None:
    now = utcnow()
    window = timedelta(seconds=_setting("LOGIN_FAILURE_WINDOW_SECONDS"))
    db.execute(sa.delete(LoginFailure).where(LoginFailure.created_at < now - window))
    db.add(LoginFailure(email_hash=email_hash(email), address=client_address(), created_at=now))
    db.commit()


def forget_failures(db: Session, email: str) -> None:
    """After a successful login this client starts again with a full budget for the account."""
    db.execute(
        sa.delete(LoginFailure).where(
            LoginFailure.email_hash == email_hash(email),
            LoginFailure.address == client_address(),
        )
    )
