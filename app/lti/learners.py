"""A platform's users as learners: no account, no sign-up, progress kept across launches.

The first launch of a user (the platform and its `sub`) makes a learner; every
later launch finds the same one. The browser carries that learner's key in the
learner cookie a guest uses (app/progress/learners.py), so every page and the
self-test work as they do for a guest; an account signed in in that browser is
logged out first, as logging in as someone else would.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import g
from flask_login import current_user
from sqlalchemy.orm import Session

from app.auth.accounts import end_session
from app.models import Learner, LtiLink, LtiPlatform, LtiUser, new_token


def learner_of(db: Session, platform: LtiPlatform, sub: str) -> LtiUser:
    """The LTI user `sub` of `platform`, with a learner made on their first launch."""
    user = db.scalar(
        sa.select(LtiUser).where(LtiUser.platform_id == platform.id, LtiUser.sub == sub)
    )
    if user is None:
        learner = Learner(key=new_token())
        db.add(learner)
        db.flush()
        user = LtiUser(platform_id=platform.id, sub=sub, learner_id=learner.id)
        db.add(user)
        db.flush()
    return user


def sign_in(db: Session, user: LtiUser) -> None:
    """Make this browser the LTI user's: the learner cookie is sent with the response."""
    if current_user.is_authenticated:
        end_session(db)
    learner = db.get(Learner, user.learner_id)
    assert learner is not None and learner.key is not None
    g.new_learner_key = learner.key  # app/progress/learners.py remember_browser sends it


def remember_grade_column(db: Session, user: LtiUser, slug: str, lineitem_url: str) -> None:
    """Note where the user's score for `slug` goes (one row per line item)."""
    found = db.scalar(
        sa.select(LtiLink).where(
            LtiLink.lti_user_id == user.id, LtiLink.lineitem_url == lineitem_url
        )
    )
    if found is None:
        db.add(LtiLink(lti_user_id=user.id, module_slug=slug, lineitem_url=lineitem_url))
    else:
        found.module_slug = slug
