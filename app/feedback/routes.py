"""The module's feedback form and the "was this section helpful?" vote.

Both are forms with a CSRF token on pages of their own, so the module page
stays the same for everyone (and cacheable). The vote is also sent by
static/js/feedback.js as JSON, with the token in the X-CSRFToken header.
"""

from __future__ import annotations

import logging
import math

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import MultiDict

from app import ratelimit
from app.content import resolve_module, resolve_section
from app.db import get_session
from app.feedback import bp
from app.feedback.forms import FeedbackForm, SectionVoteForm
from app.feedback.store import new_feedback, save_vote, votes_of
from app.progress.learners import current_learner_id, ensure_current_learner
from app.web import json_response, private_page, too_many_requests

log = logging.getLogger(__name__)


def _slow_down(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "You have sent this form many times in a short while. Please wait %(num)d minute "
        "and send it again.",
        "You have sent this form many times in a short while. Please wait %(num)d minutes "
        "and send it again.",
        minutes,
    )


@bp.route("/modules/<slug>/feedback", methods=["GET", "POST"])
def form(slug: str):
    resolved = resolve_module(slug)
    form = FeedbackForm()
    if not current_user.is_authenticated:
        del form.anonymous  # a guest's feedback is anonymous anyway
    status = 200
    if form.is_submitted():
        db = get_session()
        wait = ratelimit.seconds_to_wait(db, [ratelimit.FEEDBACK])
        if wait:
            # The learner's text stays in the form, so nothing typed is lost.
            form.form_errors.append(_slow_down(wait))
            return too_many_requests(_form_page(resolved, form), wait)
        if form.validate():
            try:
                if not form.is_spam:  # a robot filled in the honeypot: thank it, store nothing
                    db.add(new_feedback(form, resolved.module, g.locale))
                ratelimit.record(db, [ratelimit.FEEDBACK])
                db.commit()
            except SQLAlchemyError:
                # Say so and keep the text in the form: feedback is never lost silently.
                db.rollback()
                log.exception("could not store feedback on %s", slug)
                form.form_errors.append(
                    _("Your feedback could not be saved just now. Please send it again.")
                )
                return _form_page(resolved, form, 503)
            return redirect(url_for("feedback.thanks", slug=slug))
        status = 400
    return _form_page(resolved, form, status)


def _form_page(resolved, form: FeedbackForm, status: int = 200):
    page = render_template(
        "feedback/form.html", form=form, resolved=resolved, module=resolved.module
    )
    return private_page(page, status)


@bp.get("/modules/<slug>/feedback/thanks")
def thanks(slug: str):
    resolved = resolve_module(slug)
    page = render_template("feedback/thanks.html", resolved=resolved, module=resolved.module)
    return private_page(page)


@bp.route("/modules/<slug>/sections/<section_id>/helpful", methods=["GET", "POST"])
def section_vote(slug: str, section_id: str):
    """Was this section helpful? A small form page; JSON for the script."""
    resolved, section = resolve_section(slug, section_id)
    as_json = request.is_json
    if as_json:
        body = request.get_json(silent=True)
        answer = body.get("helpful") if isinstance(body, dict) else None
        form = SectionVoteForm(formdata=MultiDict({"helpful": answer if answer else ""}))
    elif request.method == "POST":
        form = SectionVoteForm()
    else:
        answer = request.args.get("answer")
        form = SectionVoteForm(helpful=answer if answer in ("yes", "no") else None)
    status = 200
    if request.method == "POST":
        db = get_session()
        wait = ratelimit.seconds_to_wait(db, [ratelimit.SECTION_VOTE])
        if wait:
            if as_json:
                body = {"error": "too-many", "message": _slow_down(wait)}
                return too_many_requests(json_response(body), wait)
            form.form_errors.append(_slow_down(wait))
            return too_many_requests(_vote_page(resolved, section, form), wait)
        if form.validate():
            helpful = form.helpful.data == "yes"
            save_vote(db, ensure_current_learner(), slug, section_id, g.locale, helpful)
            ratelimit.record(db, [ratelimit.SECTION_VOTE])
            db.commit()
            thanks = _("Thank you for telling us.")
            if as_json:
                return json_response({"recorded": True, "helpful": helpful, "message": thanks})
            flash(thanks, "success")
            return redirect(url_for("learn.module", slug=slug, _anchor=section_id))
        if as_json:
            return json_response({"error": "invalid", "message": _("Choose yes or no.")}, 400)
        status = 400
    return _vote_page(resolved, section, form, status)


def _vote_page(resolved, section, form: SectionVoteForm, status: int = 200):
    page = render_template(
        "feedback/section_vote.html",
        resolved=resolved,
        module=resolved.module,
        section=section,
        form=form,
        previous=votes_of(current_learner_id(), resolved.module.slug).get(section.id),
    )
    return private_page(page, status)
