"""Who has earned which certificate, issuing it once, and finding it again by its code.

Whether a module is completed is decided by `app.progress.store` (every
section read, self-test passed); this module only adds when that happened.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.certificates.models import WHOLE_COURSE, Certificate
from app.db import get_session
from app.models import QuizAttempt, SectionRead, User, utcnow
from app.progress.store import ModuleProgress, Score, progress_for
from course import Course
from course.certificate import new_code, normalize_code

ATTEMPTS_TO_ISSUE = 3  # a clash of two random 100-bit codes is all but impossible


def progress_of(user: User, course: Course) -> dict[str, ModuleProgress]:
    """The account's progress in every module of the course, by slug."""
    learner_id = user.learner.id if user.learner is not None else None
    return progress_for(learner_id, course)


def entries_for(subject: str, progress: dict[str, ModuleProgress]) -> list[ModuleProgress]:
    """The modules a certificate is about: one, or every module of the course."""
    if subject == WHOLE_COURSE:
        return list(progress.values())
    return [progress[subject]] if subject in progress else []


def is_completed(entries: list[ModuleProgress]) -> bool:
    return bool(entries) and all(entry.completed for entry in entries)


def find_issued(user: User, subject: str) -> Certificate | None:
    return get_session().scalar(
        sa.select(Certificate).where(Certificate.user_id == user.id, Certificate.subject == subject)
    )


def issued_subjects(user: User) -> set[str]:
    """What the account already holds certificates for."""
    query = sa.select(Certificate.subject).where(Certificate.user_id == user.id)
    return set(get_session().scalars(query))


def issue(user: User, subject: str, locale: str, entries: list[ModuleProgress]) -> Certificate:
    """The account's certificate for `subject`: the one issued before, else a new one.

    The caller has checked that `entries` are completed. Two requests at once
    meet at the unique (user, subject) constraint: the second gets the first's row.
    """
    session = get_session()
    for _attempt in range(ATTEMPTS_TO_ISSUE):
        existing = find_issued(user, subject)
        if existing is not None:
            return existing
        certificate = Certificate(
            code=new_code(),
            user_id=user.id,
            subject=subject,
            locale=locale,
            completed_at=completed_at(user, entries),
        )
        session.add(certificate)
        try:
            session.commit()
            return certificate
        except IntegrityError:
            session.rollback()
    raise RuntimeError(f"could not issue a certificate for {subject!r}")


def find_by_code(text: str) -> Certificate | None:
    """The certificate with this code (as typed: any case, with or without dashes)."""
    code = normalize_code(text)
    if code is None:
        return None  # not even the shape of a code: no query
    return get_session().scalar(sa.select(Certificate).where(Certificate.code == code))


def completed_at(user: User, entries: Iterable[ModuleProgress]) -> datetime:
    """When the last of these modules was completed: its last section read or first pass."""
    entries = list(entries)
    if user.learner is None or not entries:
        return utcnow()
    learner_id = user.learner.id
    slugs = [entry.module.slug for entry in entries]
    session = get_session()
    read = session.execute(
        sa.select(SectionRead.module_slug, SectionRead.section_id, SectionRead.read_at).where(
            SectionRead.learner_id == learner_id,
            SectionRead.module_slug.in_(slugs),
            SectionRead.read_at.is_not(None),
        )
    )
    read_at = {(row.module_slug, row.section_id): row.read_at for row in read}
    attempts = session.execute(
        sa.select(
            QuizAttempt.module_slug,
            QuizAttempt.score,
            QuizAttempt.total,
            QuizAttempt.submitted_at,
            QuizAttempt.id,
        ).where(QuizAttempt.learner_id == learner_id, QuizAttempt.module_slug.in_(slugs))
    )
    passed_at: dict[str, datetime] = {}
    thresholds = {entry.module.slug: entry.pass_threshold for entry in entries}
    for row in attempts:
        score = Score(row.score, row.total, row.submitted_at, row.id)
        if score.ratio >= thresholds[row.module_slug]:
            first = passed_at.get(row.module_slug)
            passed_at[row.module_slug] = (
                min(first, score.submitted_at) if first else score.submitted_at
            )
    moments = [
        when
        for entry in entries
        for when in (
            *(read_at.get((entry.module.slug, s.id)) for s in entry.module.sections),
            passed_at.get(entry.module.slug) if entry.module.quiz is not None else None,
        )
        if when is not None
    ]
    return max(moments, default=utcnow())
