"""The feedback form and the "was this section helpful?" form; every message is translated."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional, ValidationError

from app.forms import email_field, text_area
from app.models import RATING_SCALE


def _scale(field_label: str, low: str, high: str, required: bool) -> RadioField:
    """A rating scale (1–5) whose ends say what they mean."""
    labels = {RATING_SCALE[0]: low, RATING_SCALE[-1]: high}
    choices = [SelectChoice(n, labels.get(n, str(n))) for n in RATING_SCALE]
    message = _l("Choose a number from 1 to 5.")
    first = InputRequired(message=message) if required else Optional(strip_whitespace=True)
    return RadioField(
        field_label,
        choices=choices,
        coerce=int,
        validators=[first],
        invalid_value_message=message,
        invalid_choice_message=message,
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
    improve = text_area(_l("What should we improve?"))
    comment = text_area(_l("Anything else you would like to tell us?"))
    email = email_field(_l("Your email address, if you would like a reply"), required=False)
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
