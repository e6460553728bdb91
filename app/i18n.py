"""Locale of each request: the URL prefix, else the saved choice, browser, source locale."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, g, request, url_for

from app.content import get_course
from app.extensions import babel
from course.locales import display_name, text_direction


def init_app(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=current_locale,
        default_translation_directories=app.config["TRANSLATIONS_DIR"],
    )
    app.context_processor(_template_context)


def localized_blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint whose URLs start with `/<locale>/`; unknown locales are a 404."""
    bp = Blueprint(name, import_name, url_prefix="/<locale>")

    @bp.url_value_preprocessor
    def pull_locale(endpoint: str | None, values: dict[str, Any] | None) -> None:
        locale = (values or {}).pop("locale", None)
        if locale not in get_course().locales:
            abort(404)
        g.locale = locale

    @bp.url_defaults
    def add_locale(endpoint: str, values: dict[str, Any]) -> None:
        if "locale" not in values and g.get("locale"):
            values["locale"] = g.locale

    return bp


def negotiated_locale() -> str:
    """The saved choice (cookie), then Accept-Language, then the source locale."""
    course = get_course()
    saved = request.cookies.get(_cookie_name())
    if saved in course.locales:
        return saved
    return request.accept_languages.best_match(course.locales) or course.source_locale


def current_locale() -> str:
    return g.get("locale") or negotiated_locale()


def _cookie_name() -> str:
    from flask import current_app

    return current_app.config["LOCALE_COOKIE"]


def alternate_url(code: str) -> str:
    """This page in another locale (or that locale's home when there is no such page)."""
    if request.endpoint and request.method == "GET" and request.blueprint and g.get("locale"):
        try:
            return url_for(request.endpoint, **(request.view_args or {}), locale=code)
        except Exception:
            pass
    return url_for("learn.home", locale=code)


def _template_context() -> dict[str, Any]:
    locale = current_locale()
    course = get_course()
    return {
        "locale": locale,
        "locale_dir": text_direction(locale),
        "course_title": course.title(locale),
        "available_locales": [(code, display_name(code)) for code in course.locales],
        "alternate_url": alternate_url,
    }
