"""Progress in the database: who the learner is, idempotent upserts, merges, summaries.

Every write is an `INSERT … ON CONFLICT DO UPDATE` that keeps the earliest
"first seen" time and the latest "last seen" one, so the same event sent twice,
from two tabs at once, or merged from another browser changes nothing twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from flask import current_app, g, request
from flask_login import current_user
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.db import get_session
from app.models import Learner, Progress, QuizAttempt, SectionRead, new_token, utcnow
from course import Course, Module, QuizResult

LEARNER_COOKIE = "omnicourse_learner"
LEARNER_COOKIE_MAX_AGE = 365 * 24 * 3600
KEY_FORMAT = re.compile(r"^[A-Za-z0-9_-]{20,64}$")

SECTION_OPENED, SECTION_READ, AUDIO_LISTENED = "section-opened", "section-read", "audio-listened"
EVENTS = (SECTION_OPENED, SECTION_READ, AUDIO_LISTENED)


@dataclass(frozen=True)
class Event:
    kind: str
    module: str
    section: str | None = None


# --- who is learning -------------------------------------------------------


def cookie_name() -> str:
    return current_app.config.get("LEARNER_COOKIE", LEARNER_COOKIE)


def browser_key() -> str | None:
    """The anonymous learner key this browser carries, if it looks like one."""
    key = request.cookies.get(cookie_name())
    return key if key and KEY_FORMAT.match(key) else None


def current_learner_id(create: bool = False) -> int | None:
    """The learner making this request: the account's, else the browser's.

    With `create`, a browser without one gets a new learner; its key is sent
    in a cookie by `remember_browser` once the response is ready.
    """
    session = get_session()
    if current_user.is_authenticated:
        if current_user.learner is None:
            if not create:
                return None
            current_user.learner = Learner()
            session.flush()
        return current_user.learner.id
    key = browser_key()
    if key:
        learner_id = session.scalar(
            sa.select(Learner.id).where(Learner.key == key, Learner.user_id.is_(None))
        )
        if learner_id is not None:
            return learner_id
    if not create:
        return None
    learner = Learner(key=new_token())
    session.add(learner)
    session.flush()
    g.new_learner_key = learner.key
    return learner.id


def remember_browser(response):
    """Send the cookie of a learner created during this request, or forget a merged one."""
    secure = request.is_secure
    if g.get("new_learner_key"):
        response.set_cookie(
            cookie_name(),
            g.new_learner_key,
            max_age=LEARNER_COOKIE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=secure,
        )
    elif g.get("forget_learner_cookie") and cookie_name() in request.cookies:
        response.delete_cookie(cookie_name(), httponly=True, samesite="Lax", secure=secure)
    return response


# --- writes ----------------------------------------------------------------


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _earliest(current, new):
    return sa.case(
        (current.is_(None), new), (new.is_(None), current), (new < current, new), else_=current
    )


def _latest(current, new):
    return sa.case(
        (current.is_(None), new), (new.is_(None), current), (new > current, new), else_=current
    )


# Built once per database kind and run with a list of rows, so SQLAlchemy
# compiles each statement once and caches it.
@cache
def _sections_upsert(dialect: str):
    table = SectionRead.__table__
    statement = (postgresql if dialect == "postgresql" else sqlite).insert(table)
    new = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=[table.c.learner_id, table.c.module_slug, table.c.section_id],
        set_={
            name: _earliest(table.c[name], new[name])
            for name in ("opened_at", "read_at", "listened_at")
        },
    )


@cache
def _modules_upsert(dialect: str):
    table = Progress.__table__
    statement = (postgresql if dialect == "postgresql" else sqlite).insert(table)
    new = statement.excluded
    newer = new.updated_at >= table.c.updated_at
    return statement.on_conflict_do_update(
        index_elements=[table.c.learner_id, table.c.module_slug],
        set_={
            "audio_listened_at": _earliest(table.c.audio_listened_at, new.audio_listened_at),
            "last_section_id": sa.case(
                (newer & new.last_section_id.is_not(None), new.last_section_id),
                else_=table.c.last_section_id,
            ),
            "created_at": _earliest(table.c.created_at, new.created_at),
            "updated_at": _latest(table.c.updated_at, new.updated_at),
        },
    )


def _upsert_sections(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(_sections_upsert(_dialect(session)), rows)


def _upsert_modules(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(_modules_upsert(_dialect(session)), rows)


def _combine(rows: Iterable[dict[str, Any]], key: tuple[str, ...]) -> list[dict[str, Any]]:
    """Fold rows with the same key as the upserts would (one statement may not hit a row twice)."""
    folded: dict[tuple, dict[str, Any]] = {}
    for row in rows:
        kept = folded.setdefault(tuple(row[name] for name in key), dict(row))
        if kept is row or kept == row:
            continue
        if "updated_at" in row and row["updated_at"] >= kept["updated_at"]:
            kept["updated_at"] = row["updated_at"]
            kept["last_section_id"] = row["last_section_id"] or kept["last_section_id"]
        for name in ("opened_at", "read_at", "listened_at", "audio_listened_at", "created_at"):
            if name in row and row[name] is not None:
                kept[name] = row[name] if kept[name] is None else min(kept[name], row[name])
    return list(folded.values())


def record_events(learner_id: int, events: list[Event], when: datetime | None = None) -> None:
    """Record validated events for the learner, in one transaction."""
    now = when or utcnow()
    sections, modules = [], []
    for event in events:
        columns = {
            SECTION_OPENED: "opened_at",
            SECTION_READ: "read_at",
            AUDIO_LISTENED: "listened_at",
        }
        if event.section is not None:
            row = dict.fromkeys(("opened_at", "read_at", "listened_at"))
            row[columns[event.kind]] = now
            sections.append(
                {
                    "learner_id": learner_id,
                    "module_slug": event.module,
                    "section_id": event.section,
                    **row,
                }
            )
        modules.append(
            {
                "learner_id": learner_id,
                "module_slug": event.module,
                "audio_listened_at": now
                if event.kind == AUDIO_LISTENED and event.section is None
                else None,
                "last_section_id": event.section,
                "created_at": now,
                "updated_at": now,
            }
        )
    session = get_session()
    # Always modules first, then sections: concurrent writers take locks in one order.
    _upsert_modules(session, _combine(modules, ("learner_id", "module_slug")))
    _upsert_sections(session, _combine(sections, ("learner_id", "module_slug", "section_id")))
    session.commit()


def record_attempt(learner_id: int, module: Module, locale: str, result: QuizResult) -> QuizAttempt:
    """Store one graded self-test submission as it was answered."""
    session = get_session()
    attempt = QuizAttempt(
        learner_id=learner_id,
        module_slug=module.slug,
        locale=locale,
        content_hash=module.content_hash,
        answers=result.answers(),
        score=result.score,
        total=result.total,
    )
    session.add(attempt)
    now = attempt.submitted_at = utcnow()
    _upsert_modules(
        session,
        [
            {
                "learner_id": learner_id,
                "module_slug": module.slug,
                "audio_listened_at": None,
                "last_section_id": None,
                "created_at": now,
                "updated_at": now,
            }
        ],
    )
    session.commit()
    return attempt


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
    _upsert_modules(
        session,
        [{**_without_id(row), "learner_id": target_id} for row in modules],
    )
    sections = session.execute(
        sa.select(SectionRead.__table__).where(SectionRead.learner_id == source_id)
    ).mappings()
    _upsert_sections(session, [{**row, "learner_id": target_id} for row in sections])
    session.execute(sa.delete(Learner).where(Learner.id == source_id))


def _without_id(row: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in row.items() if name != "id"}


def merge_browser_into(user_learner_id: int) -> None:
    """Merge this browser's anonymous progress into the account's and forget the cookie."""
    key = browser_key()
    if not key:
        return
    session = get_session()
    source = session.scalar(
        sa.select(Learner.id).where(Learner.key == key, Learner.user_id.is_(None))
    )
    if source is not None:
        merge_learner(session, source, user_learner_id)
    g.forget_learner_cookie = True


def adopt_browser(session: Session, user_id: int) -> bool:
    """Give this browser's anonymous learner to a new account; False if it has none."""
    key = browser_key()
    if not key:
        return False
    adopted = session.execute(
        sa.update(Learner)
        .where(Learner.key == key, Learner.user_id.is_(None))
        .values(user_id=user_id, key=None)
    )
    g.forget_learner_cookie = True
    return adopted.rowcount == 1


# --- reads -----------------------------------------------------------------


@dataclass
class Score:
    score: int
    total: int
    submitted_at: datetime
    attempt_id: int

    @property
    def percent(self) -> int:
        return round(100 * self.score / self.total) if self.total else 0

    @property
    def ratio(self) -> float:
        return self.score / self.total if self.total else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "total": self.total,
            "percent": self.percent,
            "submitted_at": _iso(self.submitted_at),
        }


@dataclass
class QuizScores:
    attempts: int = 0
    best: Score | None = None
    last: Score | None = None

    def add(self, score: Score) -> None:
        self.attempts += 1
        if self.best is None or score.ratio > self.best.ratio:
            self.best = score
        if self.last is None or (score.submitted_at, score.attempt_id) >= (
            self.last.submitted_at,
            self.last.attempt_id,
        ):
            self.last = score


@dataclass
class ModuleProgress:
    """A learner's progress in one module, judged against the current content."""

    module: Module
    pass_threshold: float
    opened: set[str] = field(default_factory=set)
    read: set[str] = field(default_factory=set)
    listened: set[str] = field(default_factory=set)
    audio_listened: bool = False
    last_section: str | None = None
    updated_at: datetime | None = None
    quiz: QuizScores = field(default_factory=QuizScores)

    @property
    def sections_total(self) -> int:
        return len(self.module.sections)

    @property
    def sections_read(self) -> int:
        return sum(section.id in self.read for section in self.module.sections)

    @property
    def next_section(self) -> str | None:
        """The first section not read yet: where the learner should continue."""
        return next((s.id for s in self.module.sections if s.id not in self.read), None)

    @property
    def quiz_passed(self) -> bool:
        if self.module.quiz is None:
            return True
        best = self.quiz.best
        return best is not None and best.ratio >= self.pass_threshold

    @property
    def completed(self) -> bool:
        return self.sections_read == self.sections_total and self.quiz_passed

    @property
    def started(self) -> bool:
        return self.updated_at is not None or self.quiz.attempts > 0

    def to_json(self) -> dict[str, Any]:
        quiz = self.quiz
        return {
            "sections": {
                s.id: {
                    "opened": s.id in self.opened,
                    "read": s.id in self.read,
                    "audio": s.id in self.listened,
                }
                for s in self.module.sections
            },
            "sections_read": self.sections_read,
            "sections_total": self.sections_total,
            "audio_listened": self.audio_listened,
            "next_section": self.next_section,
            "last_section": self.last_section,
            "quiz": None
            if self.module.quiz is None
            else {
                "attempts": quiz.attempts,
                "best": quiz.best.to_json() if quiz.best else None,
                "last": quiz.last.to_json() if quiz.last else None,
                "passed": self.quiz_passed,
            },
            "completed": self.completed,
            "updated_at": _iso(self.updated_at),
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") + "Z" if value else None


def progress_for(learner_id: int | None, course: Course) -> dict[str, ModuleProgress]:
    """Progress in every module of the course, by slug (empty for a new learner)."""
    result = {
        m.slug: ModuleProgress(module=m, pass_threshold=course.pass_threshold)
        for m in course.source_modules()
    }
    if learner_id is None:
        return result
    session = get_session()
    for row in session.execute(
        sa.select(Progress).where(Progress.learner_id == learner_id)
    ).scalars():
        if entry := result.get(row.module_slug):
            entry.audio_listened = row.audio_listened_at is not None
            entry.last_section = row.last_section_id
            entry.updated_at = row.updated_at
    reads = session.execute(sa.select(SectionRead).where(SectionRead.learner_id == learner_id))
    for row in reads.scalars():
        if entry := result.get(row.module_slug):
            for when, seen in (
                (row.opened_at, entry.opened),
                (row.read_at, entry.read),
                (row.listened_at, entry.listened),
            ):
                if when is not None:
                    seen.add(row.section_id)
    for slug, scores in quiz_scores(learner_id).items():
        if entry := result.get(slug):
            entry.quiz = scores
    return result


def quiz_scores(learner_id: int | None, slug: str | None = None) -> dict[str, QuizScores]:
    """Attempts, best and last score per module slug (only `slug`'s when given)."""
    scores: dict[str, QuizScores] = {}
    if learner_id is None:
        return scores
    query = sa.select(
        QuizAttempt.module_slug,
        QuizAttempt.score,
        QuizAttempt.total,
        QuizAttempt.submitted_at,
        QuizAttempt.id,
    ).where(QuizAttempt.learner_id == learner_id)
    if slug is not None:
        query = query.where(QuizAttempt.module_slug == slug)
    for row in get_session().execute(query):
        scores.setdefault(row.module_slug, QuizScores()).add(
            Score(row.score, row.total, row.submitted_at, row.id)
        )
    return scores


def attempts_of(learner_id: int | None, slug: str | None = None) -> list[QuizAttempt]:
    """The learner's attempts, newest first."""
    if learner_id is None:
        return []
    query = sa.select(QuizAttempt).where(QuizAttempt.learner_id == learner_id)
    if slug is not None:
        query = query.where(QuizAttempt.module_slug == slug)
    return list(
        get_session().scalars(
            query.order_by(QuizAttempt.submitted_at.desc(), QuizAttempt.id.desc())
        )
    )


def attempt_of(learner_id: int | None, attempt_id: int) -> QuizAttempt | None:
    """One attempt, only if it is this learner's."""
    if learner_id is None:
        return None
    return get_session().scalar(
        sa.select(QuizAttempt).where(
            QuizAttempt.id == attempt_id, QuizAttempt.learner_id == learner_id
        )
    )


def save_quiz_attempt(module: Module, result: QuizResult) -> QuizAttempt:
    """Store a graded submission for whoever is taking the self-test."""
    return record_attempt(current_learner_id(create=True), module, module.locale, result)


def quiz_summary(slug: str) -> QuizScores | None:
    """Attempts, best and last score of the current learner in one module's self-test."""
    return quiz_scores(current_learner_id(), slug).get(slug)
