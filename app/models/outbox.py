"""What every outbox row carries: its attempts, its claim by a sender, and how it ended.

The mail outbox and the xAPI outbox keep the same delivery state, so one set of
functions (app/outbox.py) claims, retries and forgets rows of either.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.models.base import utcnow


class DeliveryState:
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    next_attempt_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    # A sender working on the row holds it until then; another takes it over after.
    claimed_until: so.Mapped[datetime | None]
    sent_at: so.Mapped[datetime | None]
    failed_at: so.Mapped[datetime | None]  # given up after the last attempt
    last_error: so.Mapped[str | None] = so.mapped_column(sa.String(500))
