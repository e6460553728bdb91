"""The course home, the module page and its self-test."""

from __future__ import annotations

from flask import abort, g, render_template, request

from app.content import get_course, resolve_module
from app.learn import audio, bp
from app.progress.learners import current_learner_id, ensure_current_learner
from app.progress.store import quiz_scores, record_attempt
from app.rebuild import is_being_rebuilt
from app.web import shared_page
from course import grade


@bp.get("/")
def home():
    course = get_course()
    return shared_page("learn/home.html", modules=course.modules_for(g.locale))


@bp.get("/modules/<slug>/")
def module(slug: str):
    resolved = resolve_module(slug)
    manifest, audio_version = audio.loaded_manifest()
    preparing = is_being_rebuilt(resolved.module.locale, slug)
    return shared_page(
        "learn/module.html",
        # The page shows the audio files and who made them: a new build changes its ETag.
        versions=[audio_version, f"preparing={preparing}"],
        resolved=resolved,
        module=resolved.module,
        outdated=get_course().is_outdated(resolved.module),
        audio_preparing=preparing,
        page_data=lambda: {"player": audio.player(resolved, manifest)},
    )


@bp.route("/modules/<slug>/quiz", methods=["GET", "POST"])
def quiz(slug: str):
    resolved = resolve_module(slug)
    module = resolved.module
    if module.quiz is None:
        abort(404)
    result = None
    if request.method == "POST":
        answers = {q.id: request.form.getlist(q.id) for q in module.quiz.questions}
        result = grade(module.quiz, answers, get_course().pass_threshold)
        record_attempt(ensure_current_learner(), module, module.locale, result)
    return render_template(
        "learn/quiz.html",
        resolved=resolved,
        module=module,
        result=result,
        scores=quiz_scores(current_learner_id(), module.slug).get(module.slug),
    )
