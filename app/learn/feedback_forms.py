"""The feedback form and the "was this section helpful?" form; every message is translated."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, Length, Optional, ValidationError

from app.feedback_models import TEXT_MAX

# NUL and other control characters (tab and newlines excepted) are never meant;
# PostgreSQL refuses NUL in text, so they go before anything is stored.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str | None) -> str | None:
    """Drop control characters and surrounding blanks from typed text."""
    return CONTROL_CHARACTERS.sub("", value).strip() if isinstance(value, str) else value


def _scale(field_label: str, low: str, high: str, required: bool) -> RadioField:
    """A 1–5 scale whose ends say what they mean."""
    labels = {1: low, 5: high}
    choices = [SelectChoice(n, labels.get(n, str(n))) for n in range(1, 6)]
    first = (
        InputRequired(message=_l("Choose a number from 1 to 5."))
        if required
        else Optional(strip_whitespace=True)
    )
    return RadioField(
        field_label,
        choices=choices,
        coerce=int,
        validators=[first],
        invalid_value_message=_l("Choose a number from 1 to 5."),
        invalid_choice_message=_l("Choose a number from 1 to 5."),
    )


def _text_area(label: str) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[
            Length(
                max=TEXT_MAX,
                message=_l("Use at most %(max)d characters.", max=TEXT_MAX),
            )
        ],
        filters=[clean_text],
        render_kw={"rows": 5, "maxlength": TEXT_MAX},
    )


class FeedbackForm(FlaskForm):
    rating = _scale(
        _l("Overall, how would you rate this module?"),
        _l("1 – poor"),
        _l("5 – excellent"),
        required=True,
    )
    clarity = _scale(
        _l("How clear was it?"), _l("1 – hard to follow"), _l("5 – very clear"), required=False
    )
    usefulness = _scale(
        _l("How useful is it for your work or studies?"),
        _l("1 – not useful"),
        _l("5 – very useful"),
        required=False,
    )
    improve = _text_area(_l("What should we improve?"))
    comment = _text_area(_l("Anything else you would like to tell us?"))
    email = EmailField(
        _l("Your email address, if you would like a reply"),
        validators=[
            Optional(),
            Length(max=254, message=_l("This email address is too long.")),
            Email(message=_l("Enter a valid email address, like name@example.com.")),
        ],
        filters=[clean_text],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )
    consent = BooleanField(
        _l("The course team may use this address to reply to my feedback, and for nothing else.")
    )
    anonymous = BooleanField(_l("Send it without my account (anonymously)"))
    # The honeypot: hidden from people by the stylesheet, filled in by form-filling robots.
    website = StringField(
        _l("Leave this field empty"),
        render_kw={"autocomplete": "off", "tabindex": "-1"},
    )
    submit = SubmitField(_l("Send feedback"))

    def validate_consent(self, field: BooleanField) -> None:
        if self.email.data and not field.data:
            raise ValidationError(
                _l("Tick this box so we may reply, or leave the email address empty.")
            )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Not an inline validator: an empty optional field skips those.
        if self.consent.data and not self.email.data:
            self.email.errors.append(_l("Enter the address we should reply to."))
            return False
        return valid

    @property
    def is_spam(self) -> bool:
        return bool(self.website.data)


class SectionVoteForm(FlaskForm):
    helpful = RadioField(
        _l("Was this section helpful?"),
        choices=[SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))],
        validators=[InputRequired(message=_l("Choose yes or no."))],
        invalid_choice_message=_l("Choose yes or no."),
    )
    submit = SubmitField(_l("Send"))
