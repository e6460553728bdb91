"""The studio's forms: the editor (save, publish, discard; also on the conflict page),
restoring a publication, starting a module or a language, uploading an image."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
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


def _line(label, most: int, required: str | None = None, code: bool = False) -> StringField:
    """One line of text of at most `most` characters; `required` is the message when empty;
    a `code` (a slug, a language code) is typed as it is, without capitals or spelling."""
    first = InputRequired(message=required) if required else Optional()
    too_long = Length(max=most, message=_l("Use at most %(max)d characters.", max=most))
    render_kw: dict[str, object] = {"maxlength": most}
    if code:
        render_kw |= {"autocapitalize": "off", "spellcheck": "false"}
    filters = [clean_text] if code else [clean_text, one_line]
    return StringField(label, validators=[first, too_long], filters=filters, render_kw=render_kw)


class NewModuleForm(FlaskForm):
    title = _line(_l("Title"), 120, required=_l("Give the module a title."))
    slug = _line(_l("Web address name (optional)"), 60, code=True)
    submit = SubmitField(_l("Start the module"))


class NewLocaleForm(FlaskForm):
    code = _line(_l("Language code"), 20, code=True,
                 required=_l("Give the language's code, e.g. de or pt_BR."))  # fmt: skip
    title = _line(_l("The course's title in this language"), 120)
    submit = SubmitField(_l("Start the language"))


class MediaForm(FlaskForm):
    image = FileField(
        _l("Image (SVG or PNG)"), render_kw={"accept": ".svg,.png,image/svg+xml,image/png"}
    )
    name = _line(_l("File name (optional)"), 60, code=True)
    submit = SubmitField(_l("Upload the image"))
