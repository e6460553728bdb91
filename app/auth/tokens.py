"""Single-use links sent by email: confirm an address, reset a password, change the address.

The link carries a random token; the database keeps its hash, what it is for,
which address it confirms and until when it works. A new link of the same
kind for the same account replaces the older ones, and using one is atomic:
two clicks at once cannot both succeed.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from app.models import (
    CHANGE_EMAIL,
    RESET_PASSWORD,
    VERIFY_EMAIL,
    AccountToken,
    User,
    new_token,
    token_hash,
    utcnow,
)


def lifetime(purpose: str) -> timedelta:
    config = current_app.config
    return {
        VERIFY_EMAIL: timedelta(hours=float(config["VERIFY_EMAIL_HOURS"])),
        RESET_PASSWORD: timedelta(minutes=float(config["RESET_PASSWORD_MINUTES"])),
        CHANGE_EMAIL: timedelta(hours=float(config["CHANGE_EMAIL_HOURS"])),
    }[purpose]


def issue(db: Session, user: User, purpose: str, email: str | None = None) -> str:
    """A new link token for `user` (the caller commits); earlier unused ones stop working."""
    now = utcnow()
    db.execute(
        sa.delete(AccountToken).where(
            sa.or_(
                sa.and_(
                    AccountToken.user_id == user.id,
                    AccountToken.purpose == purpose,
                    AccountToken.used_at.is_(None),
                ),
                AccountToken.expires_at < now,  # anyone's, used or not: they open nothing
            )
        )
    )
    token = new_token()
    db.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=token_hash(token),
            email=email or user.email,
            created_at=now,
            expires_at=now + lifetime(purpose),
        )
    )
    return token


def find(db: Session, token: str, purpose: str) -> AccountToken | None:
    """The token's record if it is for `purpose`, unused and not expired."""
    if not 20 <= len(token) <= 64:
        return None
    return db.scalar(
        sa.select(AccountToken).where(
            AccountToken.token_hash == token_hash(token),
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
            AccountToken.expires_at > utcnow(),
        )
    )


def use(db: Session, token: str, purpose: str) -> AccountToken | None:
    """Mark the token used and return its record; None if it was not valid (any more)."""
    found = find(db, token, purpose)
    if found is None:
        return None
    used = db.execute(
        sa.update(AccountToken)
        .where(AccountToken.id == found.id, AccountToken.used_at.is_(None))
        .values(used_at=utcnow())
    )
    return found if used.rowcount == 1 else None
