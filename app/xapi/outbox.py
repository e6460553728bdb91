"""Turning a change of progress into statements in the outbox, in the same transaction.

The progress writes (app/progress/store.py, the self-test's attempts) read the
learner's progress before and after they change it; what changed becomes
statements, added to the session they commit. With no OMNICOURSE_XAPI_ENDPOINT
nothing is read and nothing is stored: a site that does not use an LRS pays nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime

import sqlalchemy as sa
from flask import current_app, g
from sqlalchemy.orm import Session

from app.content import get_course
from app.i18n import current_locale
from app.models import Learner, User, XapiStatement
from app.proxy import public_base_url
from app.security import keyed_hash
from app.xapi import statements
from app.xapi.statements import Site, Statement
from course.model import Module
from course.progress import ModuleProgress
from course.quiz import QuizResult

GUEST_ID_LENGTH = 32


def enabled() -> bool:
    """Whether learning records go to an LRS (OMNICOURSE_XAPI_ENDPOINT is set)."""
    return bool(current_app.config.get("XAPI_ENDPOINT"))


def site() -> Site:
    return Site(public_base_url(), dict(get_course().titles))


def guest_id(learner_id: int) -> str:
    """A guest's name for the LRS: stable, unguessable, and never their cookie's key."""
    return keyed_hash(f"xapi-guest|{learner_id}")[:GUEST_ID_LENGTH]


def actor_of(session: Session, learner_id: int, where: Site) -> dict:
    email = session.scalar(
        sa.select(User.email)
        .join(Learner, Learner.user_id == User.id)
        .where(Learner.id == learner_id)
    )
    if email:
        return statements.account_actor(email)
    return statements.guest_actor(where, guest_id(learner_id))


def queue(session: Session, built: list[Statement]) -> None:
    """Add statements to the outbox in the session's transaction; the sender wakes after it."""
    for item in built:
        session.add(
            XapiStatement(
                statement_id=item["id"],
                verb=item["verb"]["id"].rsplit("/", 1)[-1],
                body=json.dumps(item, ensure_ascii=False, sort_keys=True),
            )
        )
    if built:
        g.xapi_queued = True


def queue_progress_changes(
    session: Session,
    learner_id: int,
    before: Mapping[str, ModuleProgress],
    after: Mapping[str, ModuleProgress],
    when: datetime,
    graded: tuple[Module, QuizResult] | None = None,
) -> None:
    """Queue a statement for each thing the learner has done since `before`.

    `graded` is the module (in the language it was answered in) and the result of a
    self-test attempt just recorded: each answer and the pass or fail.
    """
    course = get_course()
    locale = current_locale()
    where = site()
    actor = actor_of(session, learner_id, where)
    built: list[Statement] = []
    for slug, now in after.items():
        was = before.get(slug)
        if was is None:
            continue
        if graded is not None and graded[0].slug == slug:
            module = graded[0]
        else:
            resolved = course.resolve(locale, slug)
            module = resolved.module if resolved is not None else now.module
        if now.started and not was.started:
            built.append(statements.launched(where, actor, module, when))
        for section in module.sections:
            if section.id in now.read and section.id not in was.read:
                built.append(statements.section_read(where, actor, module, section, when))
        if now.audio_listened and not was.audio_listened:
            built.append(statements.audio_listened(where, actor, module, None, when))
        for section in module.sections:
            if section.id in now.listened and section.id not in was.listened:
                built.append(statements.audio_listened(where, actor, module, section, when))
        if graded is not None and graded[0].slug == slug:
            result = graded[1]
            built += [statements.answered(where, actor, module, a, when) for a in result.questions]
            built.append(statements.self_test_graded(where, actor, module, result, when))
        if now.completed and not was.completed:
            built.append(statements.completed(where, actor, module, when))
    queue(session, built)
