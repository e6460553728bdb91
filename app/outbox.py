"""Delivering an outbox outside the request: claims, retries with back-off, the sender thread.

An outbox is a table whose rows carry `app.models.outbox.DeliveryState` (the
mail outbox, the xAPI outbox). A sender takes one row at a time by claiming it
for a while (an UPDATE that only one process can win), so several workers, or
several servers sharing a database, never deliver a row twice; a sender that
dies with a claim leaves it to another after the claim runs out. A row that
fails is tried again after 1, 2, 4 … minutes (at most six hours apart) and
given up after its outbox's last attempt.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from app.models.outbox import DeliveryState

log = logging.getLogger(__name__)

CLAIM = timedelta(minutes=5)  # longer than any delivery with its timeouts
MAX_BACKOFF = timedelta(hours=6)
ERROR_KEPT = 500

Row = TypeVar("Row", bound=DeliveryState)


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failure: 1, 2, 4 … minutes, at most 6 hours."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def forget_old(db: Session, table: type[DeliveryState], now: datetime, kept: timedelta) -> None:
    """Delete the rows delivered or given up longer ago than `kept`."""
    old = now - kept
    db.execute(sa.delete(table).where(sa.or_(table.sent_at < old, table.failed_at < old)))
    db.commit()


def claim_next(
    db: Session, table: type[Row], now: datetime, *, due_by: datetime | None = None
) -> Row | None:
    """The next row due (by `due_by`, else now), claimed for this sender (its attempt
    counted), or None."""
    free = sa.or_(table.claimed_until.is_(None), table.claimed_until < now)
    due = [
        table.sent_at.is_(None),
        table.failed_at.is_(None),
        table.next_attempt_at <= (due_by or now),
    ]
    key = table.id  # type: ignore[attr-defined]
    while True:
        found = db.scalar(
            sa.select(key).where(*due, free).order_by(table.next_attempt_at, key).limit(1)
        )
        if found is None:
            return None
        claimed = db.execute(
            sa.update(table)
            .where(key == found, *due, free)
            .values(claimed_until=now + CLAIM, attempts=table.attempts + 1)
        )
        db.commit()
        if claimed.rowcount == 1:
            return db.get(table, found)
        # Another sender took it first: look for the next one.


def mark_delivered(row: DeliveryState, when: datetime) -> None:
    row.sent_at = when
    row.claimed_until = None
    row.last_error = None


def mark_failed(
    row: DeliveryState, error: Exception, now: datetime, max_attempts: int, *, permanent: bool
) -> bool:
    """Record a failed attempt: give the row up (True) or set its next attempt (False)."""
    row.claimed_until = None
    row.last_error = f"{type(error).__name__}: {error}"[:ERROR_KEPT]
    if permanent or row.attempts >= max_attempts:
        row.failed_at = now
        return True
    row.next_attempt_at = now + backoff(row.attempts)
    return False


def status_counts(db: Session, table: type[DeliveryState]) -> tuple[int, int, int]:
    """How many rows are delivered, waiting and given up."""

    def count(*where: Any) -> int:
        return db.scalar(sa.select(sa.func.count()).select_from(table).where(*where)) or 0

    return (
        count(table.sent_at.is_not(None)),
        count(table.sent_at.is_(None), table.failed_at.is_(None)),
        count(table.failed_at.is_not(None)),
    )


class BackgroundSender:
    """The sender thread of one outbox in one server process, started on first use
    (again after a fork): it delivers what is due when woken, and every `poll` seconds."""

    def __init__(
        self, app: Flask, name: str, deliver: Callable[[Flask], Any], *, enabled: bool, poll: float
    ) -> None:
        self.app = app
        self.name = name
        self.deliver = deliver
        self.enabled = enabled
        self.poll = poll
        self._pid: int | None = None
        self._lock = threading.Lock()
        self._wake = threading.Event()

    def wake(self) -> None:
        """Deliver what is due now (the thread is started if this process has none)."""
        if not self.enabled:
            return
        self.start()
        self._wake.set()

    def start(self) -> None:
        """Run the sender thread in this process (again after a fork), if not running."""
        if not self.enabled or self._pid == os.getpid():
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._wake = threading.Event()
            threading.Thread(target=self._run, name=self.name, daemon=True).start()

    def _run(self) -> None:
        while True:
            try:
                self.deliver(self.app)
            except Exception:  # the database was away: try again at the next round
                log.exception("the %s could not read its outbox", self.name)
            self._wake.wait(self.poll)
            self._wake.clear()
