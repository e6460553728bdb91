"""The studio's forms: the editor (save, publish, discard; also on the conflict page) and
restoring a publication."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from app.forms import CONTROL_CHARACTERS, clean_text, one_line
from app.models import MESSAGE_MAX, STUDIO_TEXT_MAX


def markdown_text(value: str | None) -> str | None:
    """Line ends as on disk (\\n), no control characters, one final newline."""
    if not isinstance(value, str):
        return value
    text = CONTROL_CHARACTERS.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    return text.rstrip("\n") + "\n" if text.strip() else ""


def _message() -> StringField:
    return StringField(
        _l("What changed (for the history)"),
        validators=[Optional(), Length(max=MESSAGE_MAX, message=_l(
            "Use at most %(max)d characters.", max=MESSAGE_MAX))],
        filters=[clean_text, one_line],
        render_kw={"maxlength": MESSAGE_MAX},
    )  # fmt: skip


class EditorForm(FlaskForm):
    text = TextAreaField(
        _l("Markdown of the module"),
        validators=[InputRequired(message=_l("The text of the module is missing.")),
                    Length(max=STUDIO_TEXT_MAX, message=_l(
            "The text is longer than %(max)d characters. A module file is never this long: "
            "check what was pasted.", max=STUDIO_TEXT_MAX))],
        filters=[markdown_text],
        render_kw={"spellcheck": "false", "autocapitalize": "off", "rows": 30},
    )  # fmt: skip
    base = HiddenField()
    message = _message()
    save = SubmitField(_l("Save the draft"))
    publish = SubmitField(_l("Publish"))
    discard = SubmitField(_l("Discard the draft"))


class RestoreForm(FlaskForm):
    submit = SubmitField(_l("Restore this version"))


class MarkCurrentForm(FlaskForm):
    submit = SubmitField(_l("Mark as current"))
