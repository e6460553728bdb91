"""A learner's attempts at a self-test: the draw they answer, the limits, the record.

Each learner has at most one open draw per module (`QuizDraw`): drawn from the
bank when the self-test is first opened, shown again on a reload or in another
language, and replaced by a new one once it has been submitted. A submission
must answer the open draw; it is graded against it and stored with it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import sqlalchemy as sa
from flask_login import current_user

from app import ratelimit
from app.db import dialect_name, get_session, upsert_insert
from app.models import QuizAttempt, QuizDraw, utcnow
from app.progress.store import module_row, upsert_modules
from course import Course, Module
from course.quiz import DrawnQuestion, QuizResult, draw

_rng = random.SystemRandom()


@dataclass(frozen=True)
class OpenDraw:
    id: int
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


def open_draw(learner_id: int, module: Module, course: Course) -> OpenDraw:
    """The learner's open draw for `module`, drawn now if there is none or it no longer fits."""
    session = get_session()
    found = _stored(learner_id, module.slug)
    if found is not None:
        questions = tuple(DrawnQuestion.from_json(item) for item in found.questions)
        if _fits(module, questions):
            return OpenDraw(found.id, found.token, questions)
        session.delete(found)
        session.flush()
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


def _stored(learner_id: int, slug: str) -> QuizDraw | None:
    return get_session().scalar(
        sa.select(QuizDraw).where(QuizDraw.learner_id == learner_id, QuizDraw.module_slug == slug)
    )


def _limits(learner_id: int, slug: str) -> list[tuple[tuple[ratelimit.Limit, ...], str]]:
    """The attempt budgets that apply to this learner, each with the subject it counts."""
    limits = [(ratelimit.QUIZ_ATTEMPTS, f"{learner_id}:{slug}")]
    if not current_user.is_authenticated:
        limits.append((ratelimit.GUEST_QUIZ_ATTEMPTS, slug))
    return limits


def seconds_until_next_attempt(learner_id: int, slug: str) -> int:
    """0 when the learner may submit an attempt now; else how long to wait."""
    session = get_session()
    return max(
        ratelimit.seconds_to_wait(session, limits, subject)
        for limits, subject in _limits(learner_id, slug)
    )


def record_attempt(
    learner_id: int, module: Module, draw_id: int, result: QuizResult
) -> QuizAttempt:
    """Store a graded attempt with the draw it answered, close that draw, count it."""
    session = get_session()
    now = utcnow()
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
    session.execute(sa.delete(QuizDraw).where(QuizDraw.id == draw_id))
    for limits, subject in _limits(learner_id, module.slug):
        ratelimit.record(session, limits, subject)
    upsert_modules(session, [module_row(learner_id, module.slug, now)])
    session.commit()
    return attempt
