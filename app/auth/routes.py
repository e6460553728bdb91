from __future__ import annotations

import math
from functools import cache

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user
from werkzeug.security import check_password_hash, generate_password_hash

from app import ratelimit
from app.auth import bp
from app.auth.accounts import (
    MIN_PASSWORD_LENGTH,
    create_user,
    end_session,
    find_user,
    home_url,
    normalize_email,
    start_session,
)
from app.auth.forms import (
    ChangePasswordForm,
    DeleteAccountForm,
    DisplayNameForm,
    LoginForm,
    LogoutForm,
    RegisterForm,
)
from app.db import get_session
from app.i18n import current_locale
from app.models import User
from app.roles import role_names
from app.web import private_page, safe_next, too_many_requests


@cache
def _unknown_user_hash() -> str:
    """Checked when the address is unknown, so it takes as long as a wrong password."""
    return generate_password_hash("omnicourse-no-such-user")


def _page(template: str, status: int = 200, **context):
    return private_page(render_template(template, **context), status)


def _status(form) -> int:
    return 400 if form.is_submitted() and form.errors else 200


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("auth.account"))
    form = RegisterForm()
    if form.validate_on_submit():
        db = get_session()
        if find_user(db, form.email.data) is not None:
            form.email.errors.append(
                _("An account with this email address already exists. Log in instead.")
            )
        else:
            user = create_user(db, form.email.data, form.password.data, from_browser=True)
            user.locale = current_locale()
            start_session(db, user)
            flash(_("Welcome! Your account is ready and your progress is saved in it."), "success")
            return redirect(safe_next(home_url()))
    return _page("auth/register.html", _status(form), form=form, min_password=MIN_PASSWORD_LENGTH)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(url_for("auth.account")))
    form = LoginForm()
    status = _status(form)
    if form.validate_on_submit():
        db = get_session()
        email = normalize_email(form.email.data)
        wait = ratelimit.seconds_to_wait(db, ratelimit.LOGIN_FAILURES, subject=email)
        if wait:
            minutes = math.ceil(wait / 60)
            form.form_errors.append(
                ngettext(
                    "Too many failed attempts. Please wait %(num)d minute and try again.",
                    "Too many failed attempts. Please wait %(num)d minutes and try again.",
                    minutes,
                )
            )
            return too_many_requests(_page("auth/login.html", form=form), wait)
        user = find_user(db, email)
        if user is None:
            check_password_hash(_unknown_user_hash(), form.password.data)
        if user is None or not user.check_password(form.password.data):
            ratelimit.record(db, ratelimit.LOGIN_FAILURES, subject=email)
            db.commit()
            form.form_errors.append(_("The email address or the password is not correct."))
            status = 400
        else:
            ratelimit.forget(db, ratelimit.LOGIN_FAILURES, subject=email)
            start_session(db, user)
            flash(_("You are logged in."), "success")
            return redirect(safe_next(home_url()))
    return _page("auth/login.html", status, form=form)


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    """GET asks for confirmation (a form with a CSRF token); POST logs out."""
    form = LogoutForm()
    if form.validate_on_submit():
        end_session()
        flash(_("You are logged out."), "success")
        return redirect(home_url())
    if not current_user.is_authenticated:
        return redirect(home_url())
    return _page("auth/logout.html", form=form)


@bp.get("/account")
@login_required
def account():
    return _page("auth/account.html", role_names=role_names())


@bp.route("/name", methods=["GET", "POST"])
@login_required
def display_name():
    """The name printed on certificates; empty means the part of the email before the @."""
    form = DisplayNameForm()
    if form.validate_on_submit():
        current_user.display_name = form.display_name.data or None
        get_session().commit()
        flash(_("Your name is saved."), "success")
        return redirect(url_for("auth.account"))
    if not form.is_submitted():
        form.display_name.data = current_user.display_name
    return _page("auth/name.html", _status(form), form=form)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors.append(_("Your current password is not correct."))
        else:
            db = get_session()
            user = current_user._get_current_object()
            user.set_password(form.password.data)
            user.renew_session_token()  # every other session of this account ends
            db.commit()
            login_user(user)
            flash(_("Your password is changed. Other devices have been logged out."), "success")
            return redirect(url_for("auth.account"))
    return _page("auth/password.html", _status(form), form=form)


@bp.route("/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.password.data):
            form.password.errors.append(_("The password is not correct."))
        else:
            db = get_session()
            user = db.get(User, current_user.id)
            ratelimit.forget_subject(db, user.email)
            db.delete(user)  # the learner and all progress go with it (ON DELETE CASCADE)
            db.commit()
            end_session()
            flash(_("Your account and all your data have been deleted."), "success")
            return redirect(home_url())
    return _page("auth/delete.html", _status(form), form=form)
