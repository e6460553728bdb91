"""Grade passback (LTI Assignment and Grade Services): the best self-test score, to every
grade column the learner was launched with, outside the request.

`queue_best_score` runs in the transaction that records a graded attempt: when the
learner's best score for the module went up, the column's one row in the outbox
(`lti_scores`) now holds it and is due. After the request the sender thread wakes and
posts it (app/outbox.py claims rows, so two processes never post one at once); a row
that fails is tried again after 1, 2, 4 … minutes, LTI_MAX_ATTEMPTS times. A lower
score later changes nothing, so the platform only ever gets the best.

The score sent: scoreGiven = best ratio × 100, scoreMaximum = 100, activityProgress
Completed, gradingProgress FullyGraded, userId = the platform's `sub`, timestamp =
when the best attempt was submitted.
"""

from __future__ import annotations

import logging
from datetime import datetime

import requests
import sqlalchemy as sa
from flask import Flask, g
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.exception import LtiException, LtiServiceException
from pylti1p3.grade import Grade
from pylti1p3.service_connector import ServiceConnector
from sqlalchemy.orm import Session

from app.lti.tool import http_session, registration_of
from app.models import LtiLink, LtiScore, LtiUser, QuizAttempt, utcnow
from app.outbox import BackgroundSender, claim_next, mark_failed
from course.progress import score_ratio

log = logging.getLogger(__name__)

SCORE_MAXIMUM = 100
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
# The platform will never take this score as it is: give the row up at once.
REFUSED_FOR_GOOD = (400, 403, 404, 422)


def best_attempt(session: Session, learner_id: int, slug: str) -> tuple[float, datetime] | None:
    """The learner's best ratio at the module's self-test and when it was reached."""
    best: tuple[float, datetime] | None = None
    rows = session.execute(
        sa.select(QuizAttempt.score, QuizAttempt.total, QuizAttempt.submitted_at)
        .where(QuizAttempt.learner_id == learner_id, QuizAttempt.module_slug == slug)
        .order_by(QuizAttempt.submitted_at, QuizAttempt.id)
    )
    for score, total, when in rows:
        ratio = score_ratio(score, total)
        if best is None or ratio > best[0]:
            best = (ratio, when)
    return best


def queue_best_score(session: Session, learner_id: int, slug: str) -> int:
    """Make the best score due for each grade column of the learner's module whose platform
    has not got it yet (in the caller's transaction); how many rows became due."""
    links = session.scalars(
        sa.select(LtiLink)
        .join(LtiUser, LtiUser.id == LtiLink.lti_user_id)
        .where(LtiUser.learner_id == learner_id, LtiLink.module_slug == slug)
    ).all()
    if not links:
        return 0
    session.flush()
    best = best_attempt(session, learner_id, slug)
    if best is None:
        return 0
    ratio, when = best
    due = 0
    now = utcnow()
    for link in links:
        row = session.scalar(sa.select(LtiScore).where(LtiScore.link_id == link.id))
        if row is None:
            session.add(LtiScore(link_id=link.id, score=ratio, scored_at=when, next_attempt_at=now))
        elif ratio > row.score or (row.failed_at is not None and ratio >= row.score):
            row.score, row.scored_at = ratio, when
            row.sent_at = row.failed_at = row.last_error = None
            row.attempts, row.next_attempt_at = 0, now
        else:
            continue
        due += 1
    if due:
        g.lti_scores_queued = True
    return due


def grade_of(row: LtiScore) -> Grade:
    return (
        Grade()
        .set_score_given(round(row.score * SCORE_MAXIMUM, 2))
        .set_score_maximum(SCORE_MAXIMUM)
        .set_timestamp(row.scored_at.isoformat(timespec="milliseconds") + "Z")
        .set_activity_progress("Completed")
        .set_grading_progress("FullyGraded")
        .set_user_id(row.link.lti_user.sub)
    )


def post(row: LtiScore) -> None:
    """Send the row's score to its line item's scores endpoint (an access token first)."""
    registration = registration_of(row.link.lti_user.platform)
    connector = ServiceConnector(registration, http_session())
    service = AssignmentsGradesService(
        connector, {"scope": [SCORE_SCOPE], "lineitem": row.link.lineitem_url}
    )
    service.put_grade(grade_of(row))


def send_due(app: Flask, now: datetime | None = None, *, waiting_too: bool = False) -> int:
    """Post every score that is due (`waiting_too`: every one not given up); how many the
    platforms now hold."""
    delivered = 0
    most = int(app.config["LTI_MAX_ATTEMPTS"])
    with app.app_context(), app.extensions["db_sessionmaker"]() as db:
        while True:
            moment = now or utcnow()
            due_by = datetime.max if waiting_too else None
            row = claim_next(db, LtiScore, moment, due_by=due_by)
            if row is None:
                return delivered
            sent = row.score
            try:
                post(row)
            except (LtiException, requests.RequestException, OSError) as error:
                status = getattr(getattr(error, "response", None), "status_code", None)
                permanent = isinstance(error, LtiServiceException) and status in REFUSED_FOR_GOOD
                if mark_failed(row, error, moment, most, permanent=permanent):
                    log.error("gave up sending score %d to %s: %s", row.id, row.link.lineitem_url,
                              error)  # fmt: skip
                else:
                    log.warning("could not send score %d, trying again at %s: %s",
                                row.id, row.next_attempt_at, error)  # fmt: skip
                db.commit()
                return delivered  # the platform is away: the rest wait for their turn
            # Delivered; a better score recorded meanwhile stays due and goes next.
            db.execute(
                sa.update(LtiScore)
                .where(LtiScore.id == row.id, LtiScore.score == sent)
                .values(sent_at=utcnow(), last_error=None)
            )
            db.execute(sa.update(LtiScore).where(LtiScore.id == row.id).values(claimed_until=None))
            db.commit()
            delivered += 1
            log.info("sent score %.2f to %s", sent, row.link.lineitem_url)


def grades_worker(app: Flask) -> BackgroundSender:
    """The sender thread of one server process (LTI_WORKER, every LTI_POLL_SECONDS)."""
    return BackgroundSender(
        app,
        "lti-grades",
        send_due,
        enabled=bool(app.config.get("LTI_WORKER", True)),
        poll=float(app.config["LTI_POLL_SECONDS"]),
    )
