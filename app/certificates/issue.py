"""Who has earned which certificate, issuing it once, and finding it again by its code.

Whether and when a module was completed is decided by `course.progress`
(every section read, self-test passed); this module records the certificate.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.db import get_session
from app.models import WHOLE_COURSE, Certificate, User, utcnow
from app.progress.store import progress_for
from course import Course
from course.certificate import new_code, normalize_code
from course.progress import ModuleProgress

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


def find_issued(user: User, subject: str) -> Certificate | None:
    return get_session().scalar(
        sa.select(Certificate).where(Certificate.user_id == user.id, Certificate.subject == subject)
    )


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
            completed_at=completed_at(entries),
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


def completed_at(entries: Iterable[ModuleProgress]):
    """When the last of these modules was completed (now, if no time is known)."""
    moments = [entry.completed_at for entry in entries]
    return max((when for when in moments if when is not None), default=utcnow())
