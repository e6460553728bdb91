"""What a learner is told when a section is marked as read sooner than it can be read."""

from __future__ import annotations

from flask_babel import gettext as _

from app.i18n import duration_text


def keep_reading_message(seconds: int) -> str:
    return _(
        "This section counts as read once it has been open long enough to read it: "
        "about %(time)s more.",
        time=duration_text(seconds),
    )
