"""The course home, the module page and its self-test."""

from __future__ import annotations

import json
from functools import partial

from flask import abort, current_app, g, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import TooManyRequests

from app.content import get_course, resolve_module
from app.i18n import duration_text
from app.learn import audio, bp, selftest
from app.main import media_urls
from app.progress.learners import current_learner_id, ensure_current_learner
from app.progress.store import quiz_scores
from app.rebuild import is_being_rebuilt
from app.web import private_page, shared_page, too_many_requests
from course import QuizResult, grade
from course.glossary import linked_sections
from course.locales import text_direction
from course.quiz import read_answers


@bp.get("/")
def home():
    modules = get_course().modules_for(g.locale)
    manifest, audio_version = audio.loaded_manifest()
    return shared_page(
        "learn/home.html",
        versions=[audio_version],  # which modules have audio: a step of their progress
        modules=modules,
        with_audio={r.module.slug for r in modules if manifest.get(r.module.locale, r.module.slug)},
        total_minutes=sum(r.module.duration_minutes for r in modules),
    )


@bp.get("/manifest.webmanifest")
def manifest():
    """The course as an app to add to a phone's home screen, in this language."""
    course = get_course()
    title = course.title(g.locale)
    data = {
        "name": title,
        "short_name": title if len(title) <= 12 else title.split()[0],
        "lang": g.locale,
        "dir": text_direction(g.locale),
        "start_url": "./",
        "scope": "../",
        "display": "standalone",
        "background_color": "#f3f5fa",
        "theme_color": "#161c2b",
        "icons": [
            {"src": "../static/img/favicon.svg", "sizes": "any", "type": "image/svg+xml"},
            {"src": "../static/img/icon-180.png", "sizes": "180x180", "type": "image/png"},
            {"src": "../static/img/icon-512.png", "sizes": "512x512", "type": "image/png"},
        ],
    }
    response = current_app.response_class(
        json.dumps(data, ensure_ascii=False, indent=1), mimetype="application/manifest+json"
    )
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response


@bp.get("/modules/<slug>/")
def module(slug: str):
    resolved = resolve_module(slug)
    manifest, audio_version = audio.loaded_manifest()
    preparing = is_being_rebuilt(resolved.module.locale, slug)
    modules = [r.module.slug for r in get_course().modules_for(g.locale)]
    place = modules.index(slug) if slug in modules else None
    return shared_page(
        "learn/module.html",
        position=None if place is None else place + 1,
        modules_total=len(modules),
        previous=_neighbour(modules, place, -1),
        next=_neighbour(modules, place, +1),
        # The page shows the audio files and who made them: a new build changes its ETag.
        versions=[audio_version, f"preparing={preparing}"],
        resolved=resolved,
        module=resolved.module,
        outdated=get_course().is_outdated(resolved.module),
        audio_preparing=preparing,
        page_data=lambda: {
            "player": audio.player(resolved, manifest),
            "section_html": _glossed(resolved.module),
        },
    )


def _glossed(module) -> dict[str, str]:
    """The module's sections with the first use of each glossary term linked to it."""
    glossary_page = url_for("learn.glossary", locale=g.locale)
    glossary = get_course().glossary(module.locale)
    linked = linked_sections(module, glossary, lambda term_id: f"{glossary_page}#term-{term_id}")
    return {section_id: media_urls(html) for section_id, html in linked.items()}


@bp.get("/glossary/")
def glossary():
    """The course's terms in this language, each with its definition."""
    return shared_page("learn/glossary.html", terms=get_course().glossary(g.locale).sorted_terms())


def _neighbour(slugs: list[str], place: int | None, step: int):
    """The module before or after the one at `place` in the course, if any."""
    if place is None or not 0 <= place + step < len(slugs):
        return None
    return get_course().resolve(g.locale, slugs[place + step])


@bp.route("/modules/<slug>/quiz", methods=["GET", "POST"])
def quiz(slug: str):
    """The learner's open draw of the self-test; a submission is checked, limited, graded.

    Looking costs nothing to store: a guest becomes a learner with a first graded attempt.
    """
    resolved = resolve_module(slug)
    module = resolved.module
    if module.quiz is None:
        abort(404)
    course = get_course()
    learner_id = current_learner_id()
    if request.method == "GET":
        current = selftest.open_draw(learner_id, module, course)
        assert current is not None
        page = partial(_quiz_page, resolved, current, learner_id)
        return page(grade(module.quiz, {}, course.pass_threshold, current.questions))
    wait = selftest.seconds_until_next_post()
    if wait:
        raise TooManyRequests(retry_after=wait)
    current = selftest.open_draw(learner_id, module, course, store=False)
    if current is None or request.form.get("draw") != current.token:
        # Sent from a page whose questions were graded since (another tab, the back button).
        current = selftest.open_draw(learner_id, module, course)
        assert current is not None
        return _quiz_page(
            resolved,
            current,
            learner_id,
            grade(module.quiz, {}, course.pass_threshold, current.questions),
            409,
            notice=_("These questions were already answered. Here is a new self-test."),
        )
    page = partial(_quiz_page, resolved, current, learner_id)
    answers = read_answers(module.quiz, current.questions, request.form.to_dict(flat=False))
    result = grade(module.quiz, answers, course.pass_threshold, current.questions)
    if result.unanswered:
        return page(result, 422, missing=True)
    wait = selftest.seconds_until_next_attempt(learner_id, slug)
    if wait:
        return too_many_requests(page(result, notice=_wait_message(wait)), wait)
    learner_id = ensure_current_learner()
    selftest.record_attempt(learner_id, module, current.id, result)
    return _quiz_page(resolved, current, learner_id, result, graded=True)


def _wait_message(seconds: int) -> str:
    return _(
        "Attempts at a self-test are limited, so each one counts. You can send your answers "
        "in %(time)s; they stay on this page.",
        time=duration_text(seconds),
    )


def _quiz_page(
    resolved,
    current: selftest.OpenDraw,
    learner_id: int | None,
    result: QuizResult,
    status: int = 200,
    *,
    graded: bool = False,
    missing: bool = False,
    notice: str | None = None,
):
    module = resolved.module
    next_wait = selftest.seconds_until_next_attempt(learner_id, module.slug) if graded else 0
    html = render_template(
        "learn/quiz.html",
        resolved=resolved,
        module=module,
        result=result,
        draw_token=current.token,
        graded=graded,
        missing=missing,
        notice=notice,
        next_wait=duration_text(next_wait) if next_wait else None,
        scores=quiz_scores(learner_id, module.slug).get(module.slug),
    )
    return private_page(html, status)
