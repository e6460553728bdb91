"""The review desk's data: filtered feedback, pages of it, status changes and notes, CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from typing import Any

import pytz
import sqlalchemy as sa
from flask_babel import get_timezone
from sqlalchemy.orm import Session

from app.models import AUDIT_NOTE, AUDIT_STATUS, Feedback, FeedbackAudit, User, utcnow

PER_PAGE = 25
# Spreadsheets run a cell that starts with one of these as a formula (full-width
# forms included, which some of them accept too); tab and CR can hide one.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


@dataclass(frozen=True)
class FeedbackFilters:
    module: str | None = None
    locale: str | None = None
    rating: int | None = None
    status: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    q: str | None = None

    def conditions(self) -> list[sa.ColumnElement[bool]]:
        found: list[sa.ColumnElement[bool]] = []
        if self.module:
            found.append(Feedback.module_slug == self.module)
        if self.locale:
            found.append(Feedback.locale == self.locale)
        if self.rating:
            found.append(Feedback.rating == self.rating)
        if self.status:
            found.append(Feedback.status == self.status)
        found += date_range(Feedback.created_at, self.date_from, self.date_to)
        if self.q:
            pattern = "%" + escape_like(self.q) + "%"
            found.append(
                sa.or_(
                    *(
                        column.ilike(pattern, escape="\\")
                        for column in (Feedback.improve, Feedback.comment, Feedback.email)
                    )
                )
            )
        return found

    def query_args(self) -> dict[str, str]:
        """The filters as URL query arguments (for links to pages and the CSV)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return {name: str(value) for name, value in values.items() if value not in (None, "")}


def date_range(column, start: date | None, end: date | None) -> list[sa.ColumnElement[bool]]:
    """`column` (a UTC time) within the days from `start` to `end`, both included, days as the
    site's time zone counts them (the last day there is, 9999-12-31, ends nothing)."""
    found = []
    if start:
        found.append(column >= day_start(start))
    if end and end < date.max:
        found.append(column < day_start(end + timedelta(days=1)))
    return found


def day_start(day: date) -> datetime:
    """Midnight at the start of `day` in the site's time zone, as the naive UTC time stored."""
    zone = get_timezone() or pytz.utc
    midnight = datetime.combine(day, time.min)
    try:
        return zone.localize(midnight).astimezone(pytz.utc).replace(tzinfo=None)
    except OverflowError:  # the first or last days there are: no earlier or later time
        return midnight


def escape_like(text: str) -> str:
    """Search for `text` literally: %, _ and the escape character lose their meaning."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class Page:
    items: list[Feedback]
    number: int
    pages: int
    total: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def feedback_page(db: Session, filters: FeedbackFilters, number: int) -> Page:
    """One page of feedback matching `filters`, newest first; a page past the end is the last."""
    conditions = filters.conditions()
    total = db.scalar(sa.select(sa.func.count(Feedback.id)).where(*conditions)) or 0
    pages = max(1, -(-total // PER_PAGE))
    number = min(max(number, 1), pages)
    items = db.scalars(
        sa.select(Feedback)
        .where(*conditions)
        .order_by(Feedback.created_at.desc(), Feedback.id.desc())
        .limit(PER_PAGE)
        .offset((number - 1) * PER_PAGE)
    ).all()
    return Page(list(items), number, pages, total)


def _audit(db: Session, feedback: Feedback, actor: User, action: str, **details: Any) -> None:
    """Add one line to the feedback's trail: who did what, when (the caller commits)."""
    db.add(
        FeedbackAudit(
            feedback=feedback,
            user_id=actor.id,
            actor_email=actor.email,
            action=action,
            created_at=utcnow(),
            **details,
        )
    )


def change_status(db: Session, feedback: Feedback, status: str, actor: User) -> bool:
    """Set the status and record who did it; False when it already had that status."""
    if feedback.status == status:
        return False
    _audit(db, feedback, actor, AUDIT_STATUS, old_status=feedback.status, new_status=status)
    feedback.status = status
    db.commit()
    return True


def add_note(db: Session, feedback: Feedback, note: str, actor: User) -> None:
    _audit(db, feedback, actor, AUDIT_NOTE, note=note)
    db.commit()


def neutralise(value: Any) -> Any:
    """A cell a spreadsheet shows as text: a leading formula character gets a quote before it."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_lines(header: list[str], rows: Iterable[list[Any]]) -> Iterator[str]:
    """CSV text, one line at a time: UTF-8 with a byte order mark (so spreadsheet programs
    pick the right encoding), CRLF line ends, every cell quoted (a spreadsheet that splits
    on ";" or tabs still reads one cell) and neutralised against formulas."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    buffer.write("\ufeff")
    for row in _chain(header, rows):
        writer.writerow([neutralise(cell) for cell in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def _chain(header: list[str], rows: Iterable[list[Any]]) -> Iterator[list[Any]]:
    yield header
    yield from rows


def export_rows(db: Session, filters: FeedbackFilters) -> Iterator[Feedback]:
    """Every feedback matching `filters`, newest first, read in batches."""
    statement = (
        sa.select(Feedback)
        .where(*filters.conditions())
        .order_by(Feedback.created_at.desc(), Feedback.id.desc())
        .execution_options(yield_per=500)
    )
    yield from db.scalars(statement)
