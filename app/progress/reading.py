"""Reading time without JavaScript: what a learner is told when a section is marked as read
too soon, and the signed stamp that remembers when a guest opened it, with nothing stored."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadData, URLSafeTimedSerializer

from app.i18n import duration_text

STAMP_MAX_AGE = 24 * 3600  # seconds a page opened by a guest can be confirmed from


def _stamps() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="section-opened")


def opened_stamp(slug: str, section_id: str) -> str:
    """Put in the "mark as read" form of a browser that is no learner yet."""
    return _stamps().dumps([slug, section_id])


def opened_at(stamp: str | None, slug: str, section_id: str) -> datetime | None:
    """When the stamp says this section was opened; None for a forged, old or other stamp."""
    try:
        value, when = _stamps().loads(stamp or "", max_age=STAMP_MAX_AGE, return_timestamp=True)
    except BadData:
        return None
    if value != [slug, section_id]:
        return None
    return when.astimezone(UTC).replace(tzinfo=None)


def keep_reading_message(seconds: int) -> str:
    return _(
        "This section counts as read once it has been open long enough to read it: "
        "about %(time)s more.",
        time=duration_text(seconds),
    )
