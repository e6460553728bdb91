"""Account forms; every message is translated."""

from __future__ import annotations

import unicodedata

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, ValidationError

from app.auth.passwords import password_problems
from app.forms import email_field, one_line
from app.models import DISPLAY_NAME_MAX


def _email_field(label=None):
    return email_field(label or _l("Email address"), required=True)


def _strong_password(form: FlaskForm, field: PasswordField) -> None:
    """The password rules of app/auth/passwords.py, about the account it is for: the
    form's email field, else the form's `owner` (a reset link's), else the signed-in user.
    Every reason is listed, each with what would help."""
    email, name = "", ""
    owner = getattr(form, "owner", None)
    if owner is None and current_user.is_authenticated:
        owner = current_user
    if "email" in form:
        email = form.email.data or ""
    elif owner is not None:
        email, name = owner.email, owner.display_name or ""
    field.errors.extend(password_problems(field.data or "", email, name))


def _new_password_fields(label: str) -> tuple[PasswordField, PasswordField]:
    password = PasswordField(
        label,
        validators=[InputRequired(message=_l("Choose a password.")), _strong_password],
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
    everywhere = BooleanField(_l("Log out on every device where I am logged in"))
    submit = SubmitField(_l("Log out"))


# Unicode categories never meant in a printed name: control and format characters
# (zero-width spaces and joiners, the bidirectional overrides and isolates that
# could make a name read differently from what is stored), surrogates, private
# use, unassigned code points, line and paragraph separators.
_NOT_IN_NAMES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def _printable(form: FlaskForm, field: StringField) -> None:
    if field.data and any(unicodedata.category(c) in _NOT_IN_NAMES for c in field.data):
        raise ValidationError(_l("Use letters, spaces and punctuation only."))


def _nfc(value: str | None) -> str | None:
    """One spelling for each letter: "é" typed as e and an accent is stored as "é"."""
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


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
        filters=[one_line, _nfc],
        render_kw={"autocomplete": "name"},
    )
    submit = SubmitField(_l("Save"))


class ResetRequestForm(FlaskForm):
    email = _email_field()
    submit = SubmitField(_l("Send me a link"))


class ResetPasswordForm(FlaskForm):
    """A new password from a reset link; `owner` is the link's account (for the rules)."""

    password, confirm = _new_password_fields(_l("New password"))
    submit = SubmitField(_l("Save my new password"))


class ChangeEmailForm(FlaskForm):
    email = _email_field(_l("New email address"))
    current = PasswordField(
        _l("Your password"),
        validators=[InputRequired(message=_l("Enter your password to confirm."))],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Send a link to the new address"))


class ResendForm(FlaskForm):
    """Send the confirmation link again: to the signed-in account, or to the address typed."""

    email = email_field(_l("Email address"), required=False)
    submit = SubmitField(_l("Send the link again"))


class ConfirmForm(FlaskForm):
    """One button that uses a link from an email (a mail scanner's GET uses nothing)."""

    submit = SubmitField(_l("Confirm"))


class EndSessionsForm(FlaskForm):
    """End one other session (its id), or every session but this one (no id)."""

    session = IntegerField(validators=[])
    submit = SubmitField(_l("Log out everywhere else"))
