"""Browsers that have logged in to an account before: failed logins elsewhere never lock them out.

After a successful login the browser gets a long-lived cookie with a random
token (the database keeps its hash). Someone guessing passwords from other
machines can use up the account's budget of failures, but the owner's
browser, which carries the cookie, is still let in with the right password.
A device that itself fails too often loses that privilege for the window.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, g, request
from sqlalchemy.orm import Session

from app.models import TrustedDevice, User, new_token, token_hash, utcnow
from app.web import ONE_YEAR, cookie_name, set_cookie

DEVICE_COOKIE = "omnicourse_device"
DEVICES_KEPT = 20  # per account: the ones used longest ago are forgotten first


def _cookie_token() -> str | None:
    token = request.cookies.get(cookie_name(DEVICE_COOKIE), "")
    return token if 20 <= len(token) <= 64 else None


def trusted_device(db: Session, user: User | None) -> TrustedDevice | None:
    """This browser's record for `user`, if it has logged in to that account before."""
    token = _cookie_token()
    if user is None or token is None:
        return None
    return db.scalar(
        sa.select(TrustedDevice).where(
            TrustedDevice.token_hash == token_hash(token), TrustedDevice.user_id == user.id
        )
    )


def trust_this_device(db: Session, user: User) -> None:
    """Remember this browser for `user` (the caller commits); the cookie goes with the response."""
    found = trusted_device(db, user)
    if found is not None:
        found.last_used_at = utcnow()
        return
    token = new_token()
    db.add(TrustedDevice(user_id=user.id, token_hash=token_hash(token)))
    db.flush()
    stale = db.scalars(
        sa.select(TrustedDevice.id)
        .where(TrustedDevice.user_id == user.id)
        .order_by(TrustedDevice.last_used_at.desc(), TrustedDevice.id.desc())
        .offset(DEVICES_KEPT)
    ).all()
    if stale:
        db.execute(sa.delete(TrustedDevice).where(TrustedDevice.id.in_(stale)))
    g.new_device_token = token


def forget_devices(db: Session, user_id: int) -> None:
    """No browser is trusted for this account any more (after a password reset)."""
    db.execute(sa.delete(TrustedDevice).where(TrustedDevice.user_id == user_id))


def send_device_cookie(response: Response) -> Response:
    token = g.pop("new_device_token", None)
    if token:
        set_cookie(response, DEVICE_COOKIE, token, max_age=ONE_YEAR)
    return response
