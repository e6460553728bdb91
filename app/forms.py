"""What every form shares: cleaning typed text, long text fields, email fields."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from app.models import TEXT_MAX

EMAIL_MAX = 254
# NUL and other control characters (tab and newlines excepted) are never meant;
# PostgreSQL refuses NUL in text, so they go before anything is stored.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str | None) -> str | None:
    """Drop control characters and surrounding blanks from typed text."""
    return CONTROL_CHARACTERS.sub("", value).strip() if isinstance(value, str) else value


def one_line(value: str | None) -> str | None:
    """Runs of spaces (tabs, line breaks) become one space: a name is printed on one line."""
    return " ".join(value.split()) if isinstance(value, str) else value


def text_area(label: str, *validators, rows: int = 5) -> TextAreaField:
    """A long text of at most TEXT_MAX characters, cleaned of control characters."""
    return TextAreaField(
        label,
        validators=[
            *validators,
            Length(max=TEXT_MAX, message=_l("Use at most %(max)d characters.", max=TEXT_MAX)),
        ],
        filters=[clean_text],
        render_kw={"rows": rows, "maxlength": TEXT_MAX},
    )


def email_field(label: str, required: bool) -> EmailField:
    first = DataRequired(message=_l("Enter your email address.")) if required else Optional()
    return EmailField(
        label,
        validators=[
            first,
            Length(max=EMAIL_MAX, message=_l("This email address is too long.")),
            Email(message=_l("Enter a valid email address, like name@example.com.")),
        ],
        filters=[clean_text],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )
