"""A forgotten password reset by email, and moving the account to another address.

Neither tells whether an address has an account: the answer is the same
page either way. A reset link works for an hour (RESET_PASSWORD_MINUTES),
once; using it ends every session of the account and forgets every trusted
device, then logs in here. Each change is announced to the owner by email.
"""

from __future__ import annotations

from flask import flash, redirect, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth import bp, devices, notices, sessions, tokens
from app.auth.accounts import find_user, normalize_email, start_session
from app.auth.forms import (
    ChangeEmailForm,
    ConfirmForm,
    ResendForm,
    ResetPasswordForm,
    ResetRequestForm,
)
from app.auth.passwords import MIN_LENGTH
from app.auth.routes import confirms_password, form_status, page
from app.auth.signup import SENT_TO
from app.db import get_session
from app.i18n import duration_text
from app.models import CHANGE_EMAIL, RESET_PASSWORD, utcnow
from app.web import too_many_requests


@bp.route("/reset", methods=["GET", "POST"])
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        db = get_session()
        email = normalize_email(form.email.data)
        wait = notices.take_mail_request(db, email)
        if wait:
            form.form_errors.append(notices.too_many_mails(wait))
            return too_many_requests(page("auth/reset_request.html", form=form), wait)
        user = find_user(db, email)
        if user is not None:
            notices.send_reset(db, user)
        db.commit()
        session[SENT_TO] = email
        return redirect(url_for("auth.reset_sent"))
    return page("auth/reset_request.html", form_status(form), form=form)


@bp.get("/reset/sent")
def reset_sent():
    expires = duration_text(int(tokens.lifetime(RESET_PASSWORD).total_seconds()))
    return page("auth/reset_sent.html", address=session.get(SENT_TO), expires=expires)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    db = get_session()
    found = tokens.find(db, token, RESET_PASSWORD)
    if found is None or found.email != found.user.email:
        return page("auth/link_expired.html", 404, reset=True, resend_form=ResendForm())
    form = ResetPasswordForm()
    form.owner = found.user
    if form.validate_on_submit():
        used = tokens.use(db, token, RESET_PASSWORD)
        if used is None:  # used a moment ago in another tab
            return page("auth/link_expired.html", 404, reset=True, resend_form=ResendForm())
        user = used.user
        user.set_password(form.password.data)
        user.email_verified_at = user.email_verified_at or utcnow()  # the link proved it
        sessions.close_all(db, user.id)
        devices.forget_devices(db, user.id)
        notices.send_password_changed(db, user)
        start_session(db, user)
        flash(
            _(
                "Your new password is saved and you are logged in. "
                "Every other device has been logged out."
            ),
            "success",
        )
        return redirect(url_for("auth.account"))
    status = form_status(form)
    return page("auth/reset.html", status, form=form, address=found.email, min_password=MIN_LENGTH)


@bp.route("/email", methods=["GET", "POST"])
@login_required
def change_email():
    """Ask for a new address: a link goes to it, and the account changes once it is used."""
    form = ChangeEmailForm()
    if not form.validate_on_submit():
        return page("auth/email.html", form_status(form), form=form)
    db = get_session()
    user = current_user._get_current_object()
    new = normalize_email(form.email.data)
    if new == user.email:
        form.email.errors.append(_("This is already the address of your account."))
    if form.email.errors or not confirms_password(form.current, _("The password is not correct.")):
        return page("auth/email.html", 400, form=form)
    wait = notices.take_mail_request(db, new)
    if wait:
        form.form_errors.append(notices.too_many_mails(wait))
        return too_many_requests(page("auth/email.html", form=form), wait)
    owner = find_user(db, new)
    if owner is None:
        notices.send_email_change(db, user, new)
    else:  # the same answer, and no account of someone else is named
        notices.send_email_taken(db, new, owner)
    db.commit()
    session[SENT_TO] = new
    return redirect(url_for("auth.change_email_sent"))


@bp.get("/email/sent")
@login_required
def change_email_sent():
    expires = duration_text(int(tokens.lifetime(CHANGE_EMAIL).total_seconds()))
    return page("auth/email_sent.html", address=session.get(SENT_TO, ""), expires=expires)


@bp.route("/email/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    """The link sent to a new address: GET shows a button, POST moves the account there."""
    db = get_session()
    found = tokens.find(db, token, CHANGE_EMAIL)
    if found is None:
        return page("auth/link_expired.html", 404, resend_form=ResendForm())
    form = ConfirmForm()
    if not form.validate_on_submit():
        return page("auth/confirm_email.html", address=found.email, form=form, change=True)
    used = tokens.use(db, token, CHANGE_EMAIL)
    if used is None or find_user(db, used.email) is not None:  # taken meanwhile
        db.rollback()
        return page("auth/link_expired.html", 404, resend_form=ResendForm())
    user = used.user
    old = user.email
    user.email = used.email
    user.email_verified_at = utcnow()
    notices.send_email_changed(db, user, old)
    db.commit()
    flash(_("Your account now uses %(address)s.", address=user.email), "success")
    if current_user.is_authenticated:
        return redirect(url_for("auth.account"))
    return redirect(url_for("auth.login"))
