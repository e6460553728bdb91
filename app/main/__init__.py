"""Routes outside any locale: the root redirect, language choice, health check."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, request, send_from_directory, url_for
from flask_login import current_user
from sqlalchemy import text

from app.content import get_course, problems
from app.db import get_session
from app.i18n import negotiated_locale
from app.rebuild import build_progress
from app.web import ONE_YEAR, is_local_path
from course.media import NAME as media_name
from course.media import folder as media_folder
from course.media import with_media_urls

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    return redirect(url_for("learn.home", locale=negotiated_locale()))


@bp.route("/language/<code>", methods=["GET", "POST"])
def set_language(code: str):
    """Remember the learner's choice of language, then go to `next` in that language.

    A link (GET) sets the browser's cookie only; a signed-in learner's form (POST,
    with its token) also saves the choice on the account, for their other devices.
    """
    course = get_course()
    if code not in course.locales:
        return redirect(url_for("main.index"))
    target = request.args.get("next", "")
    if not is_local_path(target):
        target = url_for("learn.home", locale=code)
    if request.method == "POST":
        _save_on_account(code)
    response = redirect(target)
    response.set_cookie(
        current_app.config["LOCALE_COOKIE"],
        code,
        max_age=ONE_YEAR,
        samesite="Lax",
        httponly=True,
        secure=request.is_secure,
    )
    return response


def _save_on_account(code: str) -> None:
    """A signed-in learner's choice follows them to their other devices."""
    if current_user.is_authenticated and current_user.locale != code:
        current_user.locale = code
        get_session().commit()


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for it at the top whatever the page says."""
    return send_from_directory(current_app.static_folder or "static", "img/favicon.ico",
                               max_age=86400)  # fmt: skip


@bp.get("/media/<name>")
def media(name: str):
    """An image of the course (content/media/). Names are never reused for other images,
    so they are cached for long; an SVG may not run anything even when opened alone."""
    if not media_name.match(name):
        abort(404)
    response = send_from_directory(media_folder(get_course().content_dir), name, max_age=86400)
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    )
    return response


@bp.app_template_filter("media_urls")
def media_urls(html: str) -> str:
    """Section HTML with its images (`../media/…` in Markdown) at their address here."""
    return with_media_urls(html, lambda name: url_for("main.media", name=name))


@bp.get("/_content/version")
def content_version():
    """The content's version, polled by pages under `omnicourse run` to reload on a change."""
    if not current_app.config.get("LIVE_RELOAD"):
        abort(404)
    return {"version": get_course().version}, 200, {"Cache-Control": "no-store"}


@bp.get("/healthz")
def healthz():
    """ok; degraded (serving, with content problems to fix or audio and PDFs still being
    built); unavailable (503)."""
    course = get_course()
    checks = {"content": bool(course.source_modules())}
    engine = current_app.extensions.get("db_engine")
    if engine is not None:
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            checks["database"] = True
        except Exception:
            checks["database"] = False
    ok = all(checks.values())
    found = problems(course)
    building = build_progress(current_app.instance_path)
    status = "unavailable" if not ok else "degraded" if found or building else "ok"
    body: dict = {"status": status, "checks": checks}
    if found:
        body["problems"] = found
    if building:
        body["build"] = building  # audio and PDFs being made: {"done", "total", "current"}
    return body, 200 if ok else 503
