"""Recent actions counted by the rate limiter (app/ratelimit.py), across worker processes.

Rows hold keyed hashes, never a network address or an email address, and
rows older than their window are deleted on the next write of that action.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.models.base import Base, utcnow


class RateLimitHit(Base):
    """One counted action (a failed login, a feedback sent…) by one client."""

    __tablename__ = "rate_limit_hits"
    __table_args__ = (
        sa.Index("ix_rate_limit_hits_client", "action", "client", "created_at"),
        sa.Index("ix_rate_limit_hits_subject", "action", "subject", "created_at"),
        sa.Index("ix_rate_limit_hits_network", "action", "network", "created_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    action: so.Mapped[str] = so.mapped_column(sa.String(30))
    # A keyed hash of the client's network address.
    client: so.Mapped[str] = so.mapped_column(sa.String(64))
    # A keyed hash of the client's network (its /24 in IPv4, /64 in IPv6).
    network: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    # A keyed hash of what the action was about (the email address tried), if anything.
    subject: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
