"""The messages the platform sends, each in the recipient's language, as plain text and HTML.

A message is a pair of templates, `mail/<kind>.txt` and `mail/<kind>.html`,
and a subject below. They are rendered when the message is queued (inside
the request, where the links are built), so the outbox holds the final text.
"""

from __future__ import annotations

from typing import Any

from flask import g, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from app.content import get_course
from app.models import OutboxMessage, utcnow

SUBJECTS = {
    "verify-email": _l("Confirm your email address"),
    "already-registered": _l("You already have an account"),
    "reset-password": _l("Reset your password"),
    "password-changed": _l("Your password was changed"),
    "change-email": _l("Confirm your new email address"),
    "email-changed": _l("The email address of your account was changed"),
    "email-taken": _l("This address already has an account"),
    "test": _l("A test message"),
}


def queue_mail(db: Session, kind: str, recipient: str, locale: str | None, **context: Any) -> None:
    """Render message `kind` for `recipient` in `locale` and add it to the outbox (the caller
    commits); the sender is woken once the request is over."""
    course = get_course()
    locale = locale if locale in course.locales else course.source_locale
    with force_locale(locale):
        values = {"course_title": course.title(locale), "locale": locale, **context}
        subject = f"{SUBJECTS[kind]} · {course.title(locale)}"
        text = render_template(f"mail/{kind}.txt", **values)
        html = render_template(f"mail/{kind}.html", subject=subject, **values)
    db.add(
        OutboxMessage(
            recipient=recipient,
            kind=kind,
            locale=locale,
            subject=subject,
            text_body=text,
            html_body=html,
            created_at=utcnow(),
            next_attempt_at=utcnow(),
        )
    )
    g.mail_queued = True
