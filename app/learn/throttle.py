"""Per-client limits on the learners' forms, kept in the database so they hold across workers.

The same sliding-window idea as the login limit (app/auth/ratelimit.py): each
accepted submission leaves a row with a keyed hash of the client's network
address; a client with `limit` rows inside the window waits until the oldest
one leaves it.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from app.auth.ratelimit import client_address
from app.feedback_models import FormSubmission
from app.models import utcnow

FEEDBACK, SECTION_VOTE = "feedback", "section-vote"
# (limit, window in seconds); OMNICOURSE_FEEDBACK_LIMIT etc. override them.
DEFAULTS = {
    FEEDBACK: ("FEEDBACK_LIMIT", 5, "FEEDBACK_WINDOW_SECONDS", 10 * 60),
    SECTION_VOTE: ("SECTION_VOTE_LIMIT", 60, "SECTION_VOTE_WINDOW_SECONDS", 10 * 60),
}


def _budget(form: str) -> tuple[int, timedelta]:
    limit_name, limit, window_name, window = DEFAULTS[form]
    config = current_app.config
    return int(config.get(limit_name, limit)), timedelta(
        seconds=int(config.get(window_name, window))
    )


def client_key() -> str:
    """The client's address, hashed with the app's secret so the table holds no addresses."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, client_address().encode(), hashlib.sha256).hexdigest()


def seconds_to_wait(db: Session, form: str, now: datetime | None = None) -> int:
    """How long this client must wait before sending `form` again; 0 when it may now."""
    now = now or utcnow()
    limit, window = _budget(form)
    recent = db.scalars(
        sa.select(FormSubmission.created_at)
        .where(
            FormSubmission.client == client_key(),
            FormSubmission.form == form,
            FormSubmission.created_at > now - window,
        )
        .order_by(FormSubmission.created_at.desc())
        .limit(limit)
    ).all()
    if len(recent) < limit:
        return 0
    return max(1, math.ceil((recent[-1] + window - now).total_seconds()))


def record(db: Session, form: str) -> None:
    """Count one submission of `form` by this client (the caller commits)."""
    now = utcnow()
    _, window = _budget(form)
    db.execute(
        sa.delete(FormSubmission).where(
            FormSubmission.form == form, FormSubmission.created_at < now - window
        )
    )
    db.add(FormSubmission(client=client_key(), form=form, created_at=now))
