"""Account forms; every message is translated."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, ValidationError

from app.auth.accounts import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from app.forms import email_field, one_line
from app.models import DISPLAY_NAME_MAX


def _email_field():
    return email_field(_l("Email address"), required=True)


def _new_password_fields(label: str) -> tuple[PasswordField, PasswordField]:
    password = PasswordField(
        label,
        validators=[
            InputRequired(message=_l("Choose a password.")),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=MAX_PASSWORD_LENGTH,
                message=_l(
                    "Use between %(min)d and %(max)d characters.",
                    min=MIN_PASSWORD_LENGTH,
                    max=MAX_PASSWORD_LENGTH,
                ),
            ),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[
            InputRequired(message=_l("Repeat the password.")),
            EqualTo("password", message=_l("The two passwords are not the same.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    return password, confirm


class RegisterForm(FlaskForm):
    email = _email_field()
    password, confirm = _new_password_fields(_l("Password"))
    submit = SubmitField(_l("Create my account"))


class LoginForm(FlaskForm):
    email = _email_field()
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(message=_l("Enter your password."))],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Log in"))


class ChangePasswordForm(FlaskForm):
    current = PasswordField(
        _l("Current password"),
        validators=[InputRequired(message=_l("Enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )
    password, confirm = _new_password_fields(_l("New password"))
    submit = SubmitField(_l("Change my password"))


class DeleteAccountForm(FlaskForm):
    password = PasswordField(
        _l("Your password"),
        validators=[InputRequired(message=_l("Enter your password to confirm."))],
        render_kw={"autocomplete": "current-password"},
    )
    confirm = BooleanField(
        _l("I understand that my account and all my progress will be deleted for good."),
        validators=[DataRequired(message=_l("Tick this box to confirm."))],
    )
    submit = SubmitField(_l("Delete my account"))


class LogoutForm(FlaskForm):
    submit = SubmitField(_l("Log out"))


# Control characters, and the bidirectional overrides that could make a printed
# name read differently from what is stored.
_NOT_IN_NAMES = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _printable(form: FlaskForm, field: StringField) -> None:
    if field.data and _NOT_IN_NAMES.search(field.data):
        raise ValidationError(_l("Use letters, spaces and punctuation only."))


class DisplayNameForm(FlaskForm):
    display_name = StringField(
        _l("Your name"),
        validators=[
            Length(
                max=DISPLAY_NAME_MAX,
                message=_l("Use at most %(max)d characters.", max=DISPLAY_NAME_MAX),
            ),
            _printable,
        ],
        filters=[one_line],
        render_kw={"autocomplete": "name"},
    )
    submit = SubmitField(_l("Save"))
