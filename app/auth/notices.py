"""The emails about an account, each queued in the owner's language with its links."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app import ratelimit
from app.auth import tokens
from app.i18n import current_locale, duration_text
from app.mail import queue_mail
from app.models import CHANGE_EMAIL, RESET_PASSWORD, VERIFY_EMAIL, User, utcnow
from app.proxy import external_url


def _locale(user: User | None) -> str:
    return (user.locale if user is not None else None) or current_locale()


def _link(user: User, endpoint: str, **values: str) -> str:
    """A link in a message to `user`: the page it opens speaks the message's language."""
    return external_url(endpoint, **values, lang=_locale(user))


def _expires(purpose: str) -> str:
    return duration_text(int(tokens.lifetime(purpose).total_seconds()))


def _when() -> str:
    return utcnow().strftime("%Y-%m-%d %H:%M")


def send_verification(db: Session, user: User) -> None:
    token = tokens.issue(db, user, VERIFY_EMAIL)
    queue_mail(
        db, "verify-email", user.email, _locale(user),
        link=_link(user, "auth.verify", token=token), expires=_expires(VERIFY_EMAIL),
    )  # fmt: skip


def send_already_registered(db: Session, user: User) -> None:
    queue_mail(
        db, "already-registered", user.email, _locale(user),
        login_link=_link(user, "auth.login"), reset_link=_link(user, "auth.reset_request"),
    )  # fmt: skip


def send_reset(db: Session, user: User) -> None:
    token = tokens.issue(db, user, RESET_PASSWORD)
    queue_mail(
        db, "reset-password", user.email, _locale(user),
        link=_link(user, "auth.reset", token=token), expires=_expires(RESET_PASSWORD),
    )  # fmt: skip


def send_password_changed(db: Session, user: User) -> None:
    queue_mail(
        db, "password-changed", user.email, _locale(user),
        when=_when(), reset_link=_link(user, "auth.reset_request"),
    )  # fmt: skip


def send_email_change(db: Session, user: User, new_address: str) -> None:
    token = tokens.issue(db, user, CHANGE_EMAIL, email=new_address)
    queue_mail(
        db, "change-email", new_address, _locale(user),
        link=_link(user, "auth.confirm_email", token=token), expires=_expires(CHANGE_EMAIL),
    )  # fmt: skip


def send_email_changed(db: Session, user: User, old_address: str) -> None:
    queue_mail(
        db, "email-changed", old_address, _locale(user), when=_when(), new_address=user.email
    )


def send_email_taken(db: Session, address: str, owner: User) -> None:
    queue_mail(db, "email-taken", address, _locale(owner))


def take_mail_request(db: Session, address: str) -> int:
    """Count one request for an email to `address` from this client: 0 when it may have
    one (the caller commits), else the seconds to wait.

    Sign-up, "send it again", password reset and a new address all count, so no
    one can flood an inbox or probe addresses fast through any of them."""
    subject = address.lower()
    wait = ratelimit.seconds_to_wait(db, ratelimit.MAIL_REQUESTS, subject=subject)
    if not wait:
        ratelimit.record(db, ratelimit.MAIL_REQUESTS, subject=subject)
    return wait


def too_many_mails(seconds: int) -> str:
    return _(
        "Too many messages were asked for from here. Please try again in %(time)s.",
        time=duration_text(seconds),
    )
