"""One sliding-window rate limiter for every limit, kept in the database across workers.

Each counted action leaves a row (app/models/limits.py) with keyed hashes of
the client's network address and of its network (the /24 or /64 around it)
and, when it is about someone, of that too. A limit allows `count` rows
inside its window per client, per network, per subject or per client and
subject; a request over it waits until the oldest of those rows leaves the
window.

    wait = ratelimit.seconds_to_wait(db, [FEEDBACK])
    if not wait:
        ...                                # do the work
        ratelimit.record(db, [FEEDBACK])   # the caller commits
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, request
from sqlalchemy.orm import Session

from app.models import RateLimitHit, utcnow
from app.security import keyed_hash

PER_CLIENT, PER_SUBJECT, PER_CLIENT_AND_SUBJECT = "client", "subject", "client+subject"
PER_NETWORK = "network"


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
# Failed logins, four budgets in one window: one account from one address (stops
# guessing one password), one address and one network (stop trying many accounts),
# one account (stops a guesser spread over many machines). The last one never
# applies to a browser the owner has logged in with before (app/auth/devices.py),
# so nobody can lock the owner out; such a device has a small budget of its own.
LOGIN_FAILURES = (
    Limit(LOGIN_FAILURE, PER_CLIENT_AND_SUBJECT, "LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS", 5,
          "LOGIN_FAILURE_WINDOW_SECONDS", 900),
    Limit(LOGIN_FAILURE, PER_CLIENT, "LOGIN_FAILURES_PER_ADDRESS", 30,
          "LOGIN_FAILURE_WINDOW_SECONDS", 900),
    Limit(LOGIN_FAILURE, PER_NETWORK, "LOGIN_FAILURES_PER_NETWORK", 100,
          "LOGIN_FAILURE_WINDOW_SECONDS", 900),
)  # fmt: skip
LOGIN_FAILURES_PER_ACCOUNT = (
    Limit(LOGIN_FAILURE, PER_SUBJECT, "LOGIN_FAILURES_PER_ACCOUNT", 100,
          "LOGIN_FAILURE_WINDOW_SECONDS", 900),
)  # fmt: skip
DEVICE_LOGIN_FAILURES = (
    Limit("device-login-failure", PER_SUBJECT, "LOGIN_FAILURES_PER_DEVICE", 10,
          "LOGIN_FAILURE_WINDOW_SECONDS", 900),
)  # fmt: skip
# Forms that send an email (sign-up, password reset, a new address, "send it again"):
# per address, per network, and per email address they write to.
MAIL_REQUESTS = (
    Limit("mail-request", PER_CLIENT, "MAIL_REQUESTS_PER_ADDRESS", 10,
          "MAIL_REQUEST_WINDOW_SECONDS", 3600),
    Limit("mail-request", PER_NETWORK, "MAIL_REQUESTS_PER_NETWORK", 40,
          "MAIL_REQUEST_WINDOW_SECONDS", 3600),
    Limit("mail-request", PER_SUBJECT, "MAIL_REQUESTS_PER_EMAIL", 3,
          "MAIL_REQUEST_WINDOW_SECONDS", 3600),
)  # fmt: skip
# A browser becomes a guest learner (a row) only when it records something; one
# address may start this many (a classroom behind one address starts dozens).
NEW_GUESTS = (
    Limit("new-guest", PER_CLIENT, "NEW_GUESTS_PER_ADDRESS", 60, "NEW_GUEST_WINDOW_SECONDS", 600),
)
# Writes of the progress API, per learner (the subject) and per address.
API_WRITES = (
    Limit("api-write", PER_SUBJECT, "API_WRITES_PER_LEARNER", 120, "API_WRITE_WINDOW_SECONDS", 60),
    Limit("api-write", PER_CLIENT, "API_WRITES_PER_ADDRESS", 1200, "API_WRITE_WINDOW_SECONDS", 60),
)
# Recordings saved, accepted or removed, per account (the subject) and per address.
RECORDING_WRITES = (
    Limit("recording-write", PER_SUBJECT, "RECORDING_WRITES_PER_ACCOUNT", 120,
          "RECORDING_WRITE_WINDOW_SECONDS", 3600),
    Limit("recording-write", PER_CLIENT, "RECORDING_WRITES_PER_ADDRESS", 240,
          "RECORDING_WRITE_WINDOW_SECONDS", 3600),
)  # fmt: skip
# Studio drafts saved, previews, publications and restores, per account and per address.
STUDIO_WRITES = (
    Limit("studio-write", PER_SUBJECT, "STUDIO_WRITES_PER_ACCOUNT", 600,
          "STUDIO_WRITE_WINDOW_SECONDS", 3600),
    Limit("studio-write", PER_CLIENT, "STUDIO_WRITES_PER_ADDRESS", 1200,
          "STUDIO_WRITE_WINDOW_SECONDS", 3600),
)  # fmt: skip
# LTI login initiations, launches and deep-link picks, per address (a classroom behind
# one address launches dozens).
LTI_REQUESTS = (
    Limit("lti", PER_CLIENT, "LTI_REQUESTS_PER_ADDRESS", 300, "LTI_WINDOW_SECONDS", 600),
)
# Every self-test form sent (answered or not), per address.
QUIZ_POSTS = (
    Limit("quiz-post", PER_CLIENT, "QUIZ_POSTS_PER_ADDRESS", 60, "QUIZ_POST_WINDOW_SECONDS", 60),
)


def client_key() -> str:
    return keyed_hash((request.remote_addr or "unknown")[:45])


def network_of(address: str) -> str:
    """The network an address belongs to: its /24 (IPv4) or /64 (IPv6), else the address."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:45]
    prefix = 24 if ip.version == 4 else 64
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def network_key() -> str:
    return keyed_hash("net:" + network_of(request.remote_addr or "unknown"))


def _matching(limit: Limit, subject: str | None) -> list[sa.ColumnElement[bool]]:
    conditions = [RateLimitHit.action == limit.action]
    if limit.per == PER_NETWORK:
        conditions.append(RateLimitHit.network == network_key())
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
                network=network_key(),
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
