"""Feedback and section votes in the database."""

from __future__ import annotations

import sqlalchemy as sa
from flask_login import current_user
from sqlalchemy.orm import Session

from app.db import dialect_name, get_session, upsert_insert
from app.feedback.forms import FeedbackForm
from app.models import Feedback, SectionVote, utcnow
from course import Module


def new_feedback(form: FeedbackForm, module: Module, locale: str) -> Feedback:
    """The feedback the form holds, from the signed-in learner unless sent anonymously."""
    anonymous = "anonymous" not in form or form.anonymous.data
    signed_in = current_user.is_authenticated and not anonymous
    return Feedback(
        module_slug=module.slug,
        locale=locale,
        content_hash=module.content_hash,
        user_id=current_user.id if signed_in else None,
        rating=form.rating.data,
        clarity=form.clarity.data,
        usefulness=form.usefulness.data,
        improve=form.improve.data or "",
        comment=form.comment.data or "",
        email=form.email.data or None,
        contact_consent=bool(form.email.data and form.consent.data),
        created_at=utcnow(),
    )


def save_vote(
    db: Session, learner_id: int, slug: str, section_id: str, locale: str, helpful: bool
) -> None:
    """Insert the vote, or replace the learner's earlier one (one statement, race-free)."""
    now = utcnow()
    statement = upsert_insert(dialect_name(db), SectionVote.__table__).values(
        learner_id=learner_id,
        module_slug=slug,
        section_id=section_id,
        locale=locale,
        helpful=helpful,
        created_at=now,
        updated_at=now,
    )
    db.execute(
        statement.on_conflict_do_update(
            index_elements=["learner_id", "module_slug", "section_id"],
            set_={
                "helpful": statement.excluded.helpful,
                "locale": statement.excluded.locale,
                "updated_at": statement.excluded.updated_at,
            },
        )
    )


def votes_of(learner_id: int | None, slug: str) -> dict[str, bool]:
    """The learner's answers in one module, by section id."""
    if learner_id is None:
        return {}
    rows = get_session().execute(
        sa.select(SectionVote.section_id, SectionVote.helpful).where(
            SectionVote.learner_id == learner_id, SectionVote.module_slug == slug
        )
    )
    return {section: helpful for section, helpful in rows}
