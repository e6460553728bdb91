"""A learner's attempts at a self-test: the draw they answer, the limits, the record.

Each learner has at most one open draw per module (`QuizDraw`): drawn from the
bank when the self-test is first opened, shown again on a reload or in another
language, and replaced by a new one once it has been submitted. A submission
must answer the open draw; it is graded against it and stored with it.

A browser that has recorded nothing yet is no learner (no row): its first draw
is computed from its cookie's key and a secret, so a reload or another language
shows the same questions with nothing stored, and a crawler costs nothing. Its
first graded attempt makes it a learner; later draws are stored.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

import sqlalchemy as sa
from flask_login import current_user

from app import ratelimit
from app.content import get_course
from app.db import dialect_name, get_session, upsert_insert
from app.lti import grades as lti_grades
from app.models import QuizAttempt, QuizDraw, utcnow
from app.progress.learners import browser_key_or_new
from app.progress.store import module_row, progress_for, upsert_modules
from app.security import keyed_hash
from app.xapi import outbox as xapi
from course import Course, Module
from course.quiz import DrawnQuestion, QuizResult, draw

_rng = random.SystemRandom()


@dataclass(frozen=True)
class OpenDraw:
    id: int | None  # None: a guest's first draw, computed rather than stored
    token: str
    questions: tuple[DrawnQuestion, ...]


def _fits(module: Module, questions: tuple[DrawnQuestion, ...]) -> bool:
    """Whether a stored draw can still be shown: its questions and options all exist."""
    quiz = module.quiz
    if quiz is None or not questions:
        return False
    for shown in questions:
        question = quiz.question(shown.id)
        if question is None or sorted(shown.order) != sorted(question.keys):
            return False
    return True


def open_draw(
    learner_id: int | None, module: Module, course: Course, *, store: bool = True
) -> OpenDraw | None:
    """The draw this learner (None: a browser that is no learner yet) answers next.

    The stored open draw if there is one; else, for a guest who has never taken this
    self-test, the first draw computed from the browser's key; else a new draw, stored
    now (with `store`; without it, as when answers arrive, None).
    """
    session = get_session()
    found = _stored(learner_id, module.slug) if learner_id is not None else None
    if found is not None:
        questions = tuple(DrawnQuestion.from_json(item) for item in found.questions)
        if _fits(module, questions):
            return OpenDraw(found.id, found.token, questions)
        session.delete(found)
        session.flush()
    if not current_user.is_authenticated and not _has_attempted(learner_id, module.slug):
        return _first_draw(module, course)
    if not store or learner_id is None:
        return None
    assert module.quiz is not None
    questions = draw(module.quiz, _rng, course.draw_size, course.draw_per_outcome)
    table = QuizDraw.__table__
    # Two tabs opening the self-test at once: the first draw wins, the other reads it.
    statement = (
        upsert_insert(dialect_name(session), table)
        .values(
            learner_id=learner_id,
            module_slug=module.slug,
            questions=[q.to_json() for q in questions],
        )
        .on_conflict_do_nothing(index_elements=[table.c.learner_id, table.c.module_slug])
    )
    session.execute(statement)
    session.commit()
    stored = _stored(learner_id, module.slug)
    assert stored is not None
    questions = tuple(DrawnQuestion.from_json(item) for item in stored.questions)
    return OpenDraw(stored.id, stored.token, questions)


def _has_attempted(learner_id: int | None, slug: str) -> bool:
    if learner_id is None:
        return False
    found = get_session().scalar(
        sa.select(QuizAttempt.id)
        .where(QuizAttempt.learner_id == learner_id, QuizAttempt.module_slug == slug)
        .limit(1)
    )
    return found is not None


def _first_draw(module: Module, course: Course) -> OpenDraw:
    """A guest's first draw of a module: the same on every request (seeded by the
    browser's key and the app's secret), stored nowhere."""
    assert module.quiz is not None
    key = browser_key_or_new()
    seed = keyed_hash(f"first-draw|{key}|{module.slug}")
    questions = draw(module.quiz, random.Random(seed), course.draw_size, course.draw_per_outcome)
    shown = json.dumps([q.to_json() for q in questions], sort_keys=True)
    # The token names these very questions: a form from before a content change is not one.
    return OpenDraw(None, keyed_hash(f"first-draw-token|{seed}|{shown}")[:32], questions)


def _stored(learner_id: int, slug: str) -> QuizDraw | None:
    return get_session().scalar(
        sa.select(QuizDraw).where(QuizDraw.learner_id == learner_id, QuizDraw.module_slug == slug)
    )


def _limits(learner_id: int | None, slug: str) -> list[tuple[tuple[ratelimit.Limit, ...], str]]:
    """The attempt budgets that apply to this learner (None: a browser before its first
    attempt, which has used nothing of its own), each with the subject it counts."""
    limits = [] if learner_id is None else [(ratelimit.QUIZ_ATTEMPTS, f"{learner_id}:{slug}")]
    if not current_user.is_authenticated:
        limits.append((ratelimit.GUEST_QUIZ_ATTEMPTS, slug))
    return limits


def seconds_until_next_attempt(learner_id: int | None, slug: str) -> int:
    """0 when the learner may submit an attempt now; else how long to wait."""
    session = get_session()
    return max(
        (
            ratelimit.seconds_to_wait(session, limits, subject)
            for limits, subject in _limits(learner_id, slug)
        ),
        default=0,
    )


def seconds_until_next_post() -> int:
    """Every self-test form sent counts, answered or not (QUIZ_POSTS_PER_ADDRESS): 0 and
    counted when this address may send one now, else the seconds to wait."""
    session = get_session()
    wait = ratelimit.seconds_to_wait(session, ratelimit.QUIZ_POSTS)
    if not wait:
        ratelimit.record(session, ratelimit.QUIZ_POSTS)
        session.commit()
    return wait


def record_attempt(
    learner_id: int, module: Module, draw_id: int | None, result: QuizResult
) -> QuizAttempt:
    """Store a graded attempt with the draw it answered, close that draw, count it."""
    session = get_session()
    now = utcnow()
    before = progress_for(learner_id, get_course()) if xapi.enabled() else None
    attempt = QuizAttempt(
        learner_id=learner_id,
        module_slug=module.slug,
        locale=module.locale,
        content_hash=module.content_hash,
        answers=result.answers(),
        questions=result.drawn(),
        score=result.score,
        total=result.total,
        submitted_at=now,
    )
    session.add(attempt)
    if draw_id is not None:
        session.execute(sa.delete(QuizDraw).where(QuizDraw.id == draw_id))
    for limits, subject in _limits(learner_id, module.slug):
        ratelimit.record(session, limits, subject)
    upsert_modules(session, [module_row(learner_id, module.slug, now)])
    if before is not None:
        session.flush()
        after = progress_for(learner_id, get_course())
        xapi.queue_progress_changes(session, learner_id, before, after, now, (module, result))
    lti_grades.queue_best_score(session, learner_id, module.slug)  # for an LTI learner
    session.commit()
    return attempt
