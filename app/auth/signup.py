"""Signing up without telling anyone who has an account, and confirming the address.

Whatever address is typed, the answer is the same page ("we have sent you a
link") after the same work (the password is hashed either way): a new address
gets an account and a confirmation link, an address that has an account gets
a note saying so, with links to log in and to reset the password. The link
logs the new learner in; so does logging in with the password, before or
after. An unconfirmed account can learn; certificates wait for the address.
"""

from __future__ import annotations

from flask import flash, redirect, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from werkzeug.security import generate_password_hash

from app.auth import bp, notices, tokens
from app.auth.accounts import create_user, find_user, normalize_email, start_session
from app.auth.forms import ConfirmForm, RegisterForm, ResendForm
from app.auth.passwords import MIN_LENGTH
from app.auth.routes import form_status, page
from app.db import get_session
from app.i18n import current_locale, duration_text
from app.models import VERIFY_EMAIL, utcnow
from app.web import safe_next, too_many_requests

SENT_TO = "mail_sent_to"  # the session remembers the address, for the "check your inbox" page


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("auth.account"))
    form = RegisterForm()
    if form.validate_on_submit():
        db = get_session()
        email = normalize_email(form.email.data)
        wait = notices.take_mail_request(db, email)
        if wait:
            form.form_errors.append(notices.too_many_mails(wait))
            return too_many_requests(_register_page(form), wait)
        existing = find_user(db, email)
        if existing is None:
            try:
                user = create_user(db, email, form.password.data)
                user.locale = current_locale()
                notices.send_verification(db, user)
                db.commit()
            except IntegrityError:  # the same address signed up at this very moment
                db.rollback()
        else:
            generate_password_hash(form.password.data)  # as long as creating an account
            notices.send_already_registered(db, existing)
            db.commit()
        session[SENT_TO] = email
        return redirect(url_for("auth.check_inbox", next=safe_next("") or None))
    return _register_page(form, form_status(form))


def _register_page(form: RegisterForm, status: int = 200):
    return page("auth/register.html", status, form=form, min_password=MIN_LENGTH)


@bp.get("/check-inbox")
def check_inbox():
    """After signing up: look for our message (or log in with the password meanwhile)."""
    return page(
        "auth/check_inbox.html",
        address=session.get(SENT_TO),
        expires=duration_text(int(tokens.lifetime(VERIFY_EMAIL).total_seconds())),
        resend_form=ResendForm(),
    )


@bp.post("/verify/send")
def resend_verification():
    """Send the confirmation link again: to the signed-in account, or to the address typed
    (which gets it only if it has an unconfirmed account: the answer is the same)."""
    form = ResendForm()
    if not form.validate_on_submit():
        flash(_("Enter a valid email address, like name@example.com."), "error")
        return redirect(url_for("auth.check_inbox"))
    db = get_session()
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        address = user.email
    else:
        address = normalize_email(form.email.data or session.get(SENT_TO) or "")
        user = find_user(db, address) if address else None
    wait = notices.take_mail_request(db, address) if address else 0
    if wait:
        flash(notices.too_many_mails(wait), "error")
    elif address:
        if user is not None and not user.email_verified:
            notices.send_verification(db, user)
        db.commit()
        session[SENT_TO] = address
        flash(_("If that address has an account to confirm, a new link is on its way."), "success")
    target = "auth.account" if current_user.is_authenticated else "auth.check_inbox"
    return redirect(url_for(target))


@bp.route("/verify/<token>", methods=["GET", "POST"])
def verify(token: str):
    """GET shows a button (mail scanners that open links use nothing); POST confirms the
    address and logs its owner in here."""
    db = get_session()
    found = tokens.find(db, token, VERIFY_EMAIL)
    form = ConfirmForm()
    if found is None or found.email != found.user.email:
        return page("auth/link_expired.html", 404, resend_form=ResendForm())
    if not form.validate_on_submit():
        return page("auth/confirm_email.html", address=found.email, form=form)
    used = tokens.use(db, token, VERIFY_EMAIL)
    if used is None:
        return page("auth/link_expired.html", 404, resend_form=ResendForm())
    user = used.user
    user.email_verified_at = user.email_verified_at or utcnow()
    if not (current_user.is_authenticated and current_user.id == user.id):
        start_session(db, user)
    db.commit()
    flash(_("Thank you: your email address is confirmed."), "success")
    return redirect(url_for("learn.home", locale=user.locale or current_locale()))


@bp.get("/verify")
@login_required
def verify_needed():
    """Where certificates send an account whose address is not confirmed yet."""
    if current_user.email_verified:
        return redirect(url_for("auth.account"))
    return page("auth/verify_needed.html", resend_form=ResendForm())
