"""LTI 1.3: the platforms (LMSs) registered, their users, where grades go, and what waits.

A platform is registered by `omnicourse lti add-platform`. A user launched from
it is a learner of its own, found by the platform and the user's `sub`, without
an account. Each grade column (an AGS line item) a learner was launched with is
an `LtiLink`; the best self-test score waiting for that column is one `LtiScore`
row of the outbox (app/outbox.py claims and retries it), updated when the
learner does better, so the platform gets the best score, once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.models.base import Base, utcnow
from app.models.outbox import DeliveryState

URL_MAX = 1000
ID_MAX = 255


class LtiPlatform(Base):
    __tablename__ = "lti_platforms"
    __table_args__ = (sa.UniqueConstraint("issuer", "client_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    issuer: so.Mapped[str] = so.mapped_column(sa.String(ID_MAX))
    client_id: so.Mapped[str] = so.mapped_column(sa.String(ID_MAX))
    auth_login_url: so.Mapped[str] = so.mapped_column(sa.String(URL_MAX))
    token_url: so.Mapped[str] = so.mapped_column(sa.String(URL_MAX))
    keys_url: so.Mapped[str] = so.mapped_column(sa.String(URL_MAX))
    deployment_ids: so.Mapped[list[str]] = so.mapped_column(sa.JSON)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


class LtiUser(Base):
    """A platform's user (`sub`), and the learner who holds their progress here."""

    __tablename__ = "lti_users"
    __table_args__ = (sa.UniqueConstraint("platform_id", "sub"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    platform_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("lti_platforms.id", ondelete="CASCADE")
    )
    sub: so.Mapped[str] = so.mapped_column(sa.String(ID_MAX))
    learner_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("learners.id", ondelete="CASCADE"), unique=True
    )
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    platform: so.Mapped[LtiPlatform] = so.relationship()


class LtiLink(Base):
    """A grade column of the platform (an AGS line item) for one user and module."""

    __tablename__ = "lti_links"
    __table_args__ = (sa.UniqueConstraint("lti_user_id", "lineitem_url"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    lti_user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("lti_users.id", ondelete="CASCADE")
    )
    module_slug: so.Mapped[str] = so.mapped_column(sa.String(100))
    lineitem_url: so.Mapped[str] = so.mapped_column(sa.String(URL_MAX))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    lti_user: so.Mapped[LtiUser] = so.relationship()


class LtiScore(DeliveryState, Base):
    """The best score to send to one grade column: waiting, sent, or given up."""

    __tablename__ = "lti_scores"
    __table_args__ = (sa.Index("ix_lti_scores_due", "sent_at", "failed_at", "next_attempt_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    link_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("lti_links.id", ondelete="CASCADE"), unique=True
    )
    score: so.Mapped[float] = so.mapped_column(sa.Float)  # 0 … 1, the best attempt's
    scored_at: so.Mapped[datetime]  # when the best attempt was submitted

    link: so.Mapped[LtiLink] = so.relationship()


class LtiCache(Base):
    """Short-lived values of the OIDC launch (nonces, states, launch data), shared by every
    server process."""

    __tablename__ = "lti_cache"

    key: so.Mapped[str] = so.mapped_column(sa.String(ID_MAX), primary_key=True)
    value: so.Mapped[Any] = so.mapped_column(sa.JSON)
    expires_at: so.Mapped[datetime] = so.mapped_column(index=True)
