"""Locale of each request: the URL prefix, else the saved choice, browser, source locale."""

from __future__ import annotations

import logging
import math
from typing import Any
from urllib.parse import urlencode

from babel import support
from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    g,
    has_request_context,
    request,
    url_for,
)
from flask_babel import Domain, get_locale, ngettext

from app.content import get_course
from app.extensions import babel
from app.web import is_anonymous_request
from course.locales import display_name, text_direction

log = logging.getLogger(__name__)

# Pages without /<locale>/ in their address (accounts, staff pages, checking a certificate)
# name the language of the page they were opened from as ?lang=xx.
LANG_PARAM = "lang"
LANG_BLUEPRINTS = ("auth", "admin", "translate", "certificates")


class _AppDomain(Domain):
    """Flask-Babel's default domain, with its cache kept per app.

    The stock cache is keyed by locale alone and shared by every app in the
    process, so two apps reading different TRANSLATIONS_DIR would mix.
    """

    def get_translations_cache(self, ctx: object) -> dict:
        return current_app.extensions.setdefault("babel_translations", {})

    def get_translations(self) -> support.NullTranslations:
        try:
            return super().get_translations()
        except Exception:  # a corrupt .mo must not take the site down: show English instead
            log.exception("cannot read the catalogue for %s; using English", get_locale())
            fallback = support.NullTranslations()
            self.get_translations_cache(None)[str(get_locale()), self.domain[0]] = fallback
            return fallback


def init_app(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=current_locale,
        default_translation_directories=app.config["TRANSLATIONS_DIR"],
    )
    babel.domain_instance = _AppDomain()
    app.context_processor(_template_context)
    app.after_request(_vary_on_negotiation)
    app.url_defaults(_carry_language)


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
    """The saved choice (account, then cookie), then Accept-Language, then the source locale."""
    course = get_course()
    for saved in (_account_locale(), request.cookies.get(_cookie_name())):
        if saved in course.locales:
            return saved
    return request.accept_languages.best_match(course.locales) or course.source_locale


def _account_locale() -> str | None:
    """The signed-in user's saved language, when accounts exist and one is saved."""
    if not hasattr(current_app, "login_manager"):
        return None
    if is_anonymous_request():
        return None  # no session: anonymous, and no database query
    from flask_login import current_user

    return getattr(current_user, "locale", None) if current_user.is_authenticated else None


def current_locale() -> str:
    """The URL's locale; on a page that did not match a route, its /<locale>/ prefix if known."""
    if g.get("locale"):
        return g.locale
    if not has_request_context():
        return get_course().source_locale
    prefix = request.path.split("/", 2)[1]
    if prefix in get_course().locales:
        return prefix
    chosen = request.args.get(LANG_PARAM)
    if chosen in get_course().locales:
        return chosen
    return negotiated_locale()


def page_language() -> str | None:
    """The language this request's address names (/<locale>/ or ?lang=), if any."""
    if g.get("locale"):
        return g.locale
    chosen = request.args.get(LANG_PARAM)
    return chosen if chosen in get_course().locales else None


def _carry_language(endpoint: str, values: dict[str, Any]) -> None:
    """Links from a page in one language to pages without /<locale>/ keep that language."""
    if LANG_PARAM in values or endpoint.partition(".")[0] not in LANG_BLUEPRINTS:
        return
    if not has_request_context():
        return
    if any("locale" in rule.arguments for rule in current_app.url_map.iter_rules(endpoint)):
        return
    language = page_language()
    if language is not None:
        values[LANG_PARAM] = language


def _cookie_name() -> str:
    return current_app.config["LOCALE_COOKIE"]


def _vary_on_negotiation(response: Response) -> Response:
    """Pages without a locale in the URL depend on the cookie and the browser's languages."""
    if not g.get("locale") and response.mimetype == "text/html":
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
    return response


def alternate_url(code: str) -> str:
    """This page in another locale, or that locale's home when there is no such page."""
    rule = request.url_rule
    if rule is not None and request.method == "GET" and request.endpoint != "static":
        if "locale" not in rule.arguments:  # the language is ?lang= here
            query = request.args.to_dict(flat=False) | {LANG_PARAM: [code]}
            return f"{request.path}?{urlencode(query, doseq=True)}"
        if g.get("locale"):
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
        "course_summary": lambda: course_summary(locale),
        # For GET forms on pages without /<locale>/: a hidden `lang` keeps the language.
        "page_lang": page_language() if has_request_context() else None,
    }


def course_summary(locale: str) -> str:
    """One sentence saying what the course offers (the home page's lead, pages' description)."""
    count = len(get_course().modules_for(locale))
    return ngettext(
        "A course in %(num)d module. Read it, listen to it, test yourself and download it for later.",
        "A course in %(num)d modules. Read each module, listen to it, test yourself and download it for later.",
        count,
    )


def duration_text(seconds: int) -> str:
    """A wait as learners say it: seconds under two minutes, minutes under two hours, else hours."""
    if seconds < 120:
        return ngettext("%(num)d second", "%(num)d seconds", max(1, seconds))
    if seconds < 7200:
        return ngettext("%(num)d minute", "%(num)d minutes", math.ceil(seconds / 60))
    return ngettext("%(num)d hour", "%(num)d hours", math.ceil(seconds / 3600))
