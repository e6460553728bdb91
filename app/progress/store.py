"""Progress in the database: idempotent writes and the reads that summarise them.

Every write is an `INSERT … ON CONFLICT DO UPDATE` that keeps the earliest
"first seen" time and the latest "last seen" one, so the same event sent twice,
from two tabs at once, or merged from another browser changes nothing twice.
Whether that progress completes a module is judged by `course.progress`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from app.content import get_course
from app.db import dialect_name, get_session, upsert_insert
from app.models import Progress, QuizAttempt, SectionRead, utcnow
from app.xapi import outbox as xapi
from course import Course
from course.progress import (
    MAX_WORDS_PER_MINUTE,
    ModuleProgress,
    QuizScores,
    Score,
    seconds_left_to_read,
)

SECTION_OPENED, SECTION_READ, AUDIO_LISTENED = "section-opened", "section-read", "audio-listened"
EVENTS = (SECTION_OPENED, SECTION_READ, AUDIO_LISTENED)
# The column of section_reads that each event sets.
SECTION_TIMES = {
    SECTION_OPENED: "opened_at",
    SECTION_READ: "read_at",
    AUDIO_LISTENED: "listened_at",
}


@dataclass(frozen=True)
class Event:
    kind: str
    module: str
    section: str | None = None


# --- writes ----------------------------------------------------------------


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
    statement = upsert_insert(dialect, table)
    new = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=[table.c.learner_id, table.c.module_slug, table.c.section_id],
        set_={name: _earliest(table.c[name], new[name]) for name in SECTION_TIMES.values()},
    )


@cache
def _modules_upsert(dialect: str):
    table = Progress.__table__
    statement = upsert_insert(dialect, table)
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


def upsert_sections(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(_sections_upsert(dialect_name(session)), rows)


def upsert_modules(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(_modules_upsert(dialect_name(session)), rows)


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


def module_row(learner_id: int, slug: str, when: datetime, **values: Any) -> dict[str, Any]:
    return {
        "learner_id": learner_id,
        "module_slug": slug,
        "audio_listened_at": None,
        "last_section_id": None,
        "created_at": when,
        "updated_at": when,
        **values,
    }


def early_reads(
    learner_id: int,
    events: list[Event],
    course: Course,
    now: datetime,
    words_per_minute: float = MAX_WORDS_PER_MINUTE,
) -> dict[Event, int]:
    """The section-read events that come too soon, with the seconds still to wait.

    A section counts as read only once it has been open for its reading time
    (`course.progress.reading_seconds`, judged on the source text, so the same
    in every language). A section read before keeps its read; one never opened
    counts as opened now.
    """
    reads = [event for event in events if event.kind == SECTION_READ]
    if not reads:
        return {}
    rows = get_session().execute(
        sa.select(SectionRead.module_slug, SectionRead.section_id, SectionRead.opened_at,
                  SectionRead.read_at)
        .where(SectionRead.learner_id == learner_id,
               SectionRead.module_slug.in_({event.module for event in reads}))
    )  # fmt: skip
    known = {(row.module_slug, row.section_id): (row.opened_at, row.read_at) for row in rows}
    early: dict[Event, int] = {}
    for event in reads:
        opened_at, read_at = known.get((event.module, event.section or ""), (None, None))
        resolved = course.resolve(course.source_locale, event.module)
        section = resolved.module.section(event.section or "") if resolved else None
        if read_at is not None or section is None:
            continue
        wait = seconds_left_to_read(section, opened_at or now, now, words_per_minute)
        if wait:
            early[event] = wait
    return early


def record_reading(learner_id: int, events: list[Event], course: Course) -> dict[Event, int]:
    """Record events from a learner, holding back reads that come too soon (see
    `early_reads`, whose answer this returns); such a read still counts as an opening."""
    now = utcnow()
    speed = current_app.config.get("READING_WORDS_PER_MINUTE", MAX_WORDS_PER_MINUTE)
    early = early_reads(learner_id, events, course, now, speed)
    kept = [event for event in events if event not in early]
    kept += [Event(SECTION_OPENED, event.module, event.section) for event in early]
    record_events(learner_id, kept, now)
    return early


def record_events(learner_id: int, events: list[Event], when: datetime | None = None) -> None:
    """Record validated events for the learner, in one transaction."""
    now = when or utcnow()
    sections, modules = [], []
    for event in events:
        if event.section is not None:
            row = dict.fromkeys(SECTION_TIMES.values())
            row[SECTION_TIMES[event.kind]] = now
            sections.append(
                {
                    "learner_id": learner_id,
                    "module_slug": event.module,
                    "section_id": event.section,
                    **row,
                }
            )
        whole_audio = event.kind == AUDIO_LISTENED and event.section is None
        modules.append(
            module_row(
                learner_id,
                event.module,
                now,
                audio_listened_at=now if whole_audio else None,
                last_section_id=event.section,
            )
        )
    session = get_session()
    before = progress_for(learner_id, get_course()) if xapi.enabled() else None
    # Always modules first, then sections: concurrent writers take locks in one order.
    upsert_modules(session, _combine(modules, ("learner_id", "module_slug")))
    upsert_sections(session, _combine(sections, ("learner_id", "module_slug", "section_id")))
    if before is not None:
        after = progress_for(learner_id, get_course())
        xapi.queue_progress_changes(session, learner_id, before, after, now)
    session.commit()


# --- reads -----------------------------------------------------------------


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
            if row.opened_at is not None:
                entry.opened.add(row.section_id)
            if row.read_at is not None:
                entry.read[row.section_id] = row.read_at
            if row.listened_at is not None:
                entry.listened.add(row.section_id)
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


def attempts_of(learner_id: int | None, limit: int | None = None) -> list[QuizAttempt]:
    """The learner's attempts, newest first."""
    if learner_id is None:
        return []
    query = (
        sa.select(QuizAttempt)
        .where(QuizAttempt.learner_id == learner_id)
        .order_by(QuizAttempt.submitted_at.desc(), QuizAttempt.id.desc())
        .limit(limit)
    )
    return list(get_session().scalars(query))


def attempt_of(learner_id: int | None, attempt_id: int) -> QuizAttempt | None:
    """One attempt, only if it is this learner's."""
    if learner_id is None:
        return None
    return get_session().scalar(
        sa.select(QuizAttempt).where(
            QuizAttempt.id == attempt_id, QuizAttempt.learner_id == learner_id
        )
    )
