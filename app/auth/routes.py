"""Log in and out, the account page with its sessions, the name, the password, deletion."""

from __future__ import annotations

import math
from functools import cache

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from werkzeug.security import check_password_hash, generate_password_hash

from app import ratelimit
from app.auth import bp, devices, notices, sessions
from app.auth.accounts import end_session, find_user, home_url, normalize_email, start_session
from app.auth.agents import describe_agent
from app.auth.forms import (
    ChangePasswordForm,
    DeleteAccountForm,
    DisplayNameForm,
    EndSessionsForm,
    LoginForm,
    LogoutForm,
    ResendForm,
)
from app.db import get_session
from app.models import User
from app.roles import role_names
from app.web import private_page, safe_next, too_many_requests


@cache
def _unknown_user_hash() -> str:
    """Checked when the address is unknown, so it takes as long as a wrong password."""
    return generate_password_hash("omnicourse-no-such-user")


def page(template: str, status: int = 200, **context):
    return private_page(render_template(template, **context), status)


def form_status(form) -> int:
    return 400 if form.is_submitted() and form.errors else 200


def wait_minutes_message(seconds: int) -> str:
    minutes = math.ceil(seconds / 60)
    return ngettext(
        "Too many failed attempts. Please wait %(num)d minute and try again.",
        "Too many failed attempts. Please wait %(num)d minutes and try again.",
        minutes,
    )


def confirms_password(field, message: str) -> bool:
    """Whether `field` holds the signed-in user's password. Failures count as failed logins
    of the account, so a borrowed session cannot be used to guess the password."""
    db = get_session()
    email = current_user.email
    wait = ratelimit.seconds_to_wait(db, ratelimit.LOGIN_FAILURES, subject=email)
    if wait:
        field.errors.append(wait_minutes_message(wait))
        return False
    if current_user.check_password(field.data):
        return True
    ratelimit.record(db, ratelimit.LOGIN_FAILURES, subject=email)
    db.commit()
    field.errors.append(message)
    return False


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(url_for("auth.account")))
    form = LoginForm()
    status = form_status(form)
    if form.validate_on_submit():
        db = get_session()
        email = normalize_email(form.email.data)
        user = find_user(db, email)
        # A browser the owner has logged in with is not held back by failures elsewhere.
        device = devices.trusted_device(db, user)
        device_subject = f"device:{device.id}" if device else ""
        device_limits = ratelimit.DEVICE_LOGIN_FAILURES
        if device and ratelimit.seconds_to_wait(db, device_limits, device_subject):
            device = None  # it failed too often itself
        limits = ratelimit.LOGIN_FAILURES
        if device is None:
            limits += ratelimit.LOGIN_FAILURES_PER_ACCOUNT
        wait = ratelimit.seconds_to_wait(db, limits, subject=email)
        if wait:
            form.form_errors.append(wait_minutes_message(wait))
            return too_many_requests(page("auth/login.html", form=form, locked=True), wait)
        if user is None:
            check_password_hash(_unknown_user_hash(), form.password.data)
        if user is None or not user.check_password(form.password.data):
            ratelimit.record(db, ratelimit.LOGIN_FAILURES, subject=email)
            if device is not None:
                ratelimit.record(db, ratelimit.DEVICE_LOGIN_FAILURES, subject=device_subject)
            db.commit()
            form.form_errors.append(_("The email address or the password is not correct."))
            status = 400
        else:
            ratelimit.forget(db, ratelimit.LOGIN_FAILURES, subject=email)
            start_session(db, user)
            flash(_("You are logged in."), "success")
            if not user.email_verified:
                flash(_("Please confirm your email address: certificates need it."), "info")
            return redirect(safe_next(home_url()))
    return page("auth/login.html", status, form=form)


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    """GET asks for confirmation (a form with a CSRF token); POST logs out, here or everywhere."""
    form = LogoutForm()
    if form.validate_on_submit():
        db = get_session()
        if form.everywhere.data and current_user.is_authenticated:
            sessions.close_all(db, current_user.id)
        end_session(db)
        flash(_("You are logged out."), "success")
        return redirect(home_url())
    if not current_user.is_authenticated:
        return redirect(home_url())
    return page("auth/logout.html", form=form)


@bp.get("/account")
@login_required
def account():
    db = get_session()
    here = sessions.current_session_id()
    live = [
        (row, describe_agent(row.user_agent), row.id == here)
        for row in sessions.live_sessions(db, current_user.id)
    ]
    return page(
        "auth/account.html",
        role_names=role_names(),
        sessions=live,
        end_form=EndSessionsForm(),
        resend_form=ResendForm(),
    )


@bp.post("/sessions")
@login_required
def end_sessions():
    """Log out one other device (`session`), or every device but this one."""
    form = EndSessionsForm()
    if not form.validate_on_submit():
        return redirect(url_for("auth.account"))
    db = get_session()
    if form.session.data:
        if form.session.data != sessions.current_session_id():
            sessions.close_one(db, current_user.id, form.session.data)
            flash(_("That device is logged out."), "success")
    else:
        count = sessions.close_all(db, current_user.id, keep=current_user.session_token)
        flash(
            ngettext(
                "%(num)d other device is logged out.",
                "%(num)d other devices are logged out.",
                count,
            ),
            "success",
        )
    db.commit()
    return redirect(url_for("auth.account"))


@bp.route("/name", methods=["GET", "POST"])
@login_required
def display_name():
    """The name printed on certificates and shown when a certificate is checked."""
    form = DisplayNameForm()
    if form.validate_on_submit():
        current_user.display_name = form.display_name.data or None
        get_session().commit()
        flash(_("Your name is saved."), "success")
        return redirect(safe_next(url_for("auth.account")))
    if not form.is_submitted():
        form.display_name.data = current_user.display_name
    return page("auth/name.html", form_status(form), form=form)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    wrong = _("Your current password is not correct.")
    if form.validate_on_submit() and confirms_password(form.current, wrong):
        db = get_session()
        user = current_user._get_current_object()
        user.set_password(form.password.data)
        sessions.close_all(db, user.id, keep=user.session_token)  # other devices are out
        notices.send_password_changed(db, user)
        db.commit()
        flash(_("Your password is changed. Other devices have been logged out."), "success")
        return redirect(url_for("auth.account"))
    return page("auth/password.html", form_status(form), form=form)


@bp.route("/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    form = DeleteAccountForm()
    wrong = _("The password is not correct.")
    if form.validate_on_submit() and confirms_password(form.password, wrong):
        db = get_session()
        user = db.get(User, current_user.id)
        ratelimit.forget_subject(db, user.email)
        end_session(db)
        db.delete(user)  # the learner and all progress go with it (ON DELETE CASCADE)
        db.commit()
        flash(_("Your account and all your data have been deleted."), "success")
        return redirect(home_url())
    return page("auth/delete.html", form_status(form), form=form)
