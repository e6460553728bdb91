"""The outbox: every email is stored here first and sent by a worker outside the request.

A message stays until the mail server has accepted it, so a slow or absent
server never delays a page and a restart loses nothing.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.models.base import Base
from app.models.outbox import DeliveryState


class OutboxMessage(DeliveryState, Base):
    __tablename__ = "mail_outbox"
    __table_args__ = (sa.Index("ix_mail_outbox_due", "sent_at", "failed_at", "next_attempt_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    recipient: so.Mapped[str] = so.mapped_column(sa.String(254))
    kind: so.Mapped[str] = so.mapped_column(sa.String(30))  # which message: verify-email, …
    locale: so.Mapped[str] = so.mapped_column(sa.String(20))
    subject: so.Mapped[str] = so.mapped_column(sa.String(300))
    text_body: so.Mapped[str] = so.mapped_column(sa.Text)
    html_body: so.Mapped[str] = so.mapped_column(sa.Text)
