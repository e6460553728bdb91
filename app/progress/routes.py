"""The progress page, "mark as read" without JavaScript, and one past attempt for review."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from app.content import get_course, resolve_module, resolve_section
from app.progress import bp, reading
from app.progress.learners import current_learner_id, ensure_current_learner
from app.progress.store import (
    SECTION_OPENED,
    SECTION_READ,
    Event,
    attempt_of,
    attempts_of,
    progress_for,
    record_events,
    record_reading,
)
from app.web import private_page
from course import grade
from course.quiz import recorded_draw

RECENT_ATTEMPTS = 10


class MarkReadForm(FlaskForm):
    """Only the CSRF token: the section is in the URL."""


@bp.get("/progress")
def page():
    course = get_course()
    learner_id = current_learner_id()
    progress = progress_for(learner_id, course)
    modules = [(r, progress[r.module.slug]) for r in course.modules_for(g.locale)]
    return private_page(
        render_template(
            "progress/page.html",
            modules=modules,
            started=any(entry.started for _, entry in modules),
            attempts=attempts_of(learner_id, limit=RECENT_ATTEMPTS),
            titles={r.module.slug: r.module.title for r, _ in modules},
            pass_percent=round(course.pass_threshold * 100),
        )
    )


@bp.route("/modules/<slug>/sections/<section_id>/read", methods=["GET", "POST"])
def mark_read(slug: str, section_id: str):
    """Mark one section as read: the way to do it without JavaScript.

    The page shows the section itself and counts as opening it, so a learner
    without JavaScript reads here and confirms once the reading time has passed.
    """
    resolved, section = resolve_section(slug, section_id)
    form = MarkReadForm()
    learner_id = current_learner_id()
    course = get_course()
    wait_message = None
    if form.validate_on_submit():
        if learner_id is None:  # a guest's first record: when the page was opened, then the read
            opened = reading.opened_at(request.form.get("opened"), slug, section_id)
            learner_id = ensure_current_learner()
            if opened is not None:
                record_events(learner_id, [Event(SECTION_OPENED, slug, section_id)], opened)
        read = Event(SECTION_READ, slug, section_id)
        early = record_reading(learner_id, [read], course)
        if not early:
            flash(_("“%(title)s” is marked as read.", title=section.title), "success")
            return redirect(url_for("learn.module", slug=slug, _anchor=section_id))
        wait_message = reading.keep_reading_message(next(iter(early.values())))
    elif learner_id is not None:
        record_events(learner_id, [Event(SECTION_OPENED, slug, section_id)])
    entry = progress_for(learner_id, course)[slug]
    return private_page(
        render_template(
            "progress/mark_read.html",
            resolved=resolved,
            module=resolved.module,
            section=section,
            form=form,
            already_read=section_id in entry.read,
            wait_message=wait_message,
            opened=reading.opened_stamp(slug, section_id) if learner_id is None else None,
        )
    )


@bp.get("/progress/attempts/<id:attempt_id>")
def attempt(attempt_id: int):
    """One past self-test attempt, graded again for review; only its owner may see it."""
    found = attempt_of(current_learner_id(), attempt_id)
    if found is None:
        abort(404)
    resolved = resolve_module(found.module_slug)
    module = resolved.module
    if module.quiz is None:
        abort(404)
    course = get_course()
    result = grade(
        module.quiz,
        found.answers,
        course.pass_threshold,
        recorded_draw(module.quiz, found.questions, found.answers),
    )
    # Option keys and question ids are the same in every language, so an attempt
    # made in another one can be shown here; warn only if its text has changed.
    answered = course.modules.get(found.locale, {}).get(found.module_slug)
    return private_page(
        render_template(
            "progress/attempt.html",
            resolved=resolved,
            module=module,
            attempt=found,
            result=result,
            changed=answered is None or answered.content_hash != found.content_hash,
        )
    )
