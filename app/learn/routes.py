from __future__ import annotations

from flask import abort, g, render_template, request

from app.caching import shared_page
from app.content import get_course
from app.learn import bp
from app.progress.store import quiz_summary, save_quiz_attempt
from course import Resolved, grade


def resolve_module(slug: str) -> Resolved:
    resolved = get_course().resolve(g.locale, slug)
    if resolved is None:
        abort(404)
    return resolved


@bp.get("/")
def home():
    course = get_course()
    return shared_page("learn/home.html", modules=course.modules_for(g.locale))


@bp.get("/modules/<slug>/")
def module(slug: str):
    resolved = resolve_module(slug)
    course = get_course()
    return shared_page(
        "learn/module.html",
        resolved=resolved,
        module=resolved.module,
        outdated=course.is_outdated(resolved.module),
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
        save_quiz_attempt(module, result)
    return render_template(
        "learn/quiz.html",
        resolved=resolved,
        module=module,
        result=result,
        scores=quiz_summary(module.slug),
    )
