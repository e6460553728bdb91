"""The module's feedback form and the "was this section helpful?" vote.

Both are forms with a CSRF token on pages of their own, so the module page
stays the same for everyone (and cacheable). The vote is also sent by
static/js/feedback.js as JSON, with the token in the X-CSRFToken header.
"""

from __future__ import annotations

import logging
import math

import sqlalchemy as sa
from flask import (
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import MultiDict

from app.caching import private_page
from app.db import get_session
from app.feedback_models import Feedback, SectionVote
from app.learn import bp, throttle
from app.learn.feedback_forms import FeedbackForm, SectionVoteForm
from app.learn.routes import resolve_module
from app.models import utcnow
from app.progress.store import current_learner_id
from course import Module

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


def _limited(response, seconds: int):
    response.status_code = 429
    response.headers["Retry-After"] = str(seconds)
    return response


@bp.route("/modules/<slug>/feedback", methods=["GET", "POST"])
def feedback(slug: str):
    resolved = resolve_module(slug)
    form = FeedbackForm()
    if not current_user.is_authenticated:
        del form.anonymous  # a guest's feedback is anonymous anyway
    status = 200
    if form.is_submitted():
        db = get_session()
        wait = throttle.seconds_to_wait(db, throttle.FEEDBACK)
        if wait:
            # The learner's text stays in the form, so nothing typed is lost.
            form.form_errors.append(_slow_down(wait))
            return _limited(_form_page(resolved, form), wait)
        if form.validate():
            try:
                if not form.is_spam:  # a robot filled in the honeypot: thank it, store nothing
                    db.add(_new_feedback(form, resolved.module))
                throttle.record(db, throttle.FEEDBACK)
                db.commit()
            except SQLAlchemyError:
                # Say so and keep the text in the form: feedback is never lost silently.
                db.rollback()
                log.exception("could not store feedback on %s", slug)
                form.form_errors.append(
                    _("Your feedback could not be saved just now. Please send it again.")
                )
                return _form_page(resolved, form, 503)
            return redirect(url_for("learn.feedback_thanks", slug=slug))
        status = 400
    return _form_page(resolved, form, status)


def _form_page(resolved, form: FeedbackForm, status: int = 200):
    page = render_template(
        "feedback/form.html", form=form, resolved=resolved, module=resolved.module
    )
    return private_page(page, status)


def _new_feedback(form: FeedbackForm, module: Module) -> Feedback:
    anonymous = "anonymous" not in form or form.anonymous.data
    signed_in = current_user.is_authenticated and not anonymous
    return Feedback(
        module_slug=module.slug,
        locale=g.locale,
        content_hash=module.content_hash,
        user_id=current_user.id if signed_in else None,
        rating=form.rating.data,
        clarity=form.clarity.data,
        usefulness=form.usefulness.data,
        improve=form.improve.data or "",
        comment=form.comment.data or "",
        email=form.email.data or None,
        contact_consent=bool(form.email.data and form.consent.data),
        created_at=utcnow(),
    )


@bp.get("/modules/<slug>/feedback/thanks")
def feedback_thanks(slug: str):
    resolved = resolve_module(slug)
    page = render_template("feedback/thanks.html", resolved=resolved, module=resolved.module)
    return private_page(page)


@bp.route("/modules/<slug>/sections/<section_id>/helpful", methods=["GET", "POST"])
def section_vote(slug: str, section_id: str):
    """Was this section helpful? A small form page; JSON for the script."""
    resolved = resolve_module(slug)
    section = resolved.module.section(section_id)
    if section is None:
        abort(404)
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
        wait = throttle.seconds_to_wait(db, throttle.SECTION_VOTE)
        if wait:
            if as_json:
                return _limited(_json({"error": "too-many", "message": _slow_down(wait)}), wait)
            form.form_errors.append(_slow_down(wait))
            return _limited(_vote_page(resolved, section, form), wait)
        if form.validate():
            helpful = form.helpful.data == "yes"
            _save_vote(current_learner_id(create=True), slug, section_id, helpful)
            throttle.record(db, throttle.SECTION_VOTE)
            db.commit()
            thanks = _("Thank you for telling us.")
            if as_json:
                return _json({"recorded": True, "helpful": helpful, "message": thanks})
            flash(thanks, "success")
            return redirect(url_for("learn.module", slug=slug, _anchor=section_id))
        if as_json:
            return _json({"error": "invalid", "message": _("Choose yes or no.")}, 400)
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


def _json(data: dict, status: int = 200):
    response = jsonify(data)
    response.status_code = status
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _save_vote(learner_id: int, slug: str, section_id: str, helpful: bool) -> None:
    """Insert the vote, or replace the learner's earlier one (one statement, race-free)."""
    db = get_session()
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    now = utcnow()
    statement = dialect.insert(SectionVote).values(
        learner_id=learner_id,
        module_slug=slug,
        section_id=section_id,
        locale=g.locale,
        helpful=helpful,
        created_at=now,
        updated_at=now,
    )
    db.execute(
        statement.on_conflict_do_update(
            index_elements=["learner_id", "module_slug", "section_id"],
            set_={
                "helpful": statement.excluded.helpful,
                "locale": statement.excluded.locale,
                "updated_at": statement.excluded.updated_at,
            },
        )
    )


def votes_of(learner_id: int | None, slug: str) -> dict[str, bool]:
    """The learner's answers in one module, by section id."""
    if learner_id is None:
        return {}
    rows = get_session().execute(
        sa.select(SectionVote.section_id, SectionVote.helpful).where(
            SectionVote.learner_id == learner_id, SectionVote.module_slug == slug
        )
    )
    return {section: helpful for section, helpful in rows}
