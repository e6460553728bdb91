"""Forms of the review desk: list filters (GET), status, internal notes, analytics filters."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SearchField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app.forms import clean_text, text_area

SEARCH_MAX = 200


def status_names() -> dict[str, str]:
    """Each status's name for people, in their language."""
    return {"new": _l("New"), "in_progress": _l("In progress"), "done": _l("Done")}


def _date(label: str) -> DateField:
    return DateField(
        label,
        validators=[Optional()],
        invalid_value_message=_l("Enter a date like 2025-03-31."),
    )


def _select(label: str, choices: list[tuple[str, str]]) -> SelectField:
    return SelectField(
        label,
        choices=choices,
        validators=[Optional()],
        invalid_choice_message=_l("Choose one of the listed values."),
    )


class _FilterForm(FlaskForm):
    """Filters travel in the query string: no CSRF token, shareable links."""

    class Meta:
        csrf = False

    date_from = _date(_l("From"))
    date_to = _date(_l("To"))

    def validate_date_to(self, field: DateField) -> None:
        start: date | None = self.date_from.data
        if start and field.data and field.data < start:
            raise ValidationError(_l("The end date is before the start date."))

    def valid(self, name: str):
        """The field's value when it passed validation, else None (a bad filter is dropped)."""
        field = self[name]
        return None if field.errors or field.data in ("", None) else field.data


class FeedbackFilterForm(_FilterForm):
    module = _select(_l("Module"), [])
    locale = _select(_l("Language"), [])
    rating = _select(_l("Rating"), [])
    status = _select(_l("Status"), [])
    q = SearchField(
        _l("Search the text"),
        validators=[
            Length(max=SEARCH_MAX, message=_l("Use at most %(max)d characters.", max=SEARCH_MAX))
        ],
        filters=[clean_text],
    )
    submit = SubmitField(_l("Filter"))


class AnalyticsFilterForm(_FilterForm):
    module = _select(_l("Module"), [])
    locale = _select(_l("Language"), [])
    submit = SubmitField(_l("Show"))


class StatusForm(FlaskForm):
    status = SelectField(
        _l("Status"),
        choices=[SelectChoice(key, name) for key, name in status_names().items()],
        validators=[InputRequired(message=_l("Choose a status."))],
        invalid_choice_message=_l("Choose one of the listed values."),
    )
    submit = SubmitField(_l("Change the status"))


class NoteForm(FlaskForm):
    note = text_area(_l("Internal note"), DataRequired(message=_l("Write the note first.")), rows=4)
    submit = SubmitField(_l("Add the note"))
