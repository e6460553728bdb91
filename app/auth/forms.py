"""Account forms; every message is translated."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length

from app.auth.accounts import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def _email_field() -> EmailField:
    return EmailField(
        _l("Email address"),
        validators=[
            DataRequired(message=_l("Enter your email address.")),
            Length(max=254, message=_l("This email address is too long.")),
            Email(message=_l("Enter a valid email address, like name@example.com.")),
        ],
        filters=[_strip],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )


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
