"""The xAPI outbox: every learning record statement waits here until the LRS has it.

A statement is built, given its id and stored in the same transaction as the
progress it reports; the sender posts the stored text unchanged, so a retry
sends the very same statement with the very same id.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.models.base import Base
from app.models.outbox import DeliveryState


class XapiStatement(DeliveryState, Base):
    __tablename__ = "xapi_outbox"
    __table_args__ = (sa.Index("ix_xapi_outbox_due", "sent_at", "failed_at", "next_attempt_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    statement_id: so.Mapped[str] = so.mapped_column(sa.String(36), unique=True)  # a UUID
    verb: so.Mapped[str] = so.mapped_column(sa.String(30))  # its last word: passed, answered, …
    body: so.Mapped[str] = so.mapped_column(sa.Text)  # the statement as JSON, sent as it is
