"""Every page type in every locale shows no English interface text.

The English strings are the msgids of the catalogue template. Text that
comes from the course content (which may legitimately be in English while a
module is not yet translated) is left out of the comparison, and so are very
short strings that could be a name or a code. To cover a new page type, add a
function decorated with `@page_type` below.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from babel.support import Translations
from flask import url_for
from werkzeug.test import TestResponse

from app.config import PROJECT_ROOT
from course import load_course
from tests.app.test_translate import log_in
from tests.conftest import REAL_CONTENT, make_app
from tests.quizzes import answer_form, shown_questions, take_quiz

TRANSLATIONS = PROJECT_ROOT / "translations"
COURSE = load_course(REAL_CONTENT)
LOCALES = [code for code in COURSE.locales if code != COURSE.source_locale]
FIRST = COURSE.source_modules()[0].slug

# A page type: (client, locale, slug) -> the response and the content files shown on it.
PageType = Callable[..., tuple[TestResponse, list[Path]]]
PAGE_TYPES: dict[str, PageType] = {}


def page_type(name: str) -> Callable[[PageType], PageType]:
    def register(function: PageType) -> PageType:
        PAGE_TYPES[name] = function
        return function

    return register


def shown(locale: str, slug: str | None = None) -> list[Path]:
    """The content files whose text a page of `locale` shows (one module, or every module)."""
    resolved = COURSE.modules_for(locale)
    return [r.module.path for r in resolved if slug is None or r.module.slug == slug]


@page_type("course home")
def _home(client, locale, slug):
    return client.get(f"/{locale}/"), shown(locale)


@page_type("module page")
def _module(client, locale, slug):
    return client.get(f"/{locale}/modules/{slug}/"), shown(locale, slug)


@page_type("self-test")
def _quiz(client, locale, slug):
    return client.get(f"/{locale}/modules/{slug}/quiz"), shown(locale, slug)


def _post_quiz(client, locale, slug, right: bool):
    module = COURSE.resolve(locale, slug).module
    url = f"/{locale}/modules/{slug}/quiz"
    return take_quiz(client, url, module.quiz, right), shown(locale, slug)


@page_type("self-test with an unanswered question")
def _quiz_unanswered(client, locale, slug):
    module = COURSE.resolve(locale, slug).module
    url = f"/{locale}/modules/{slug}/quiz"
    form = answer_form(client.get(url).text, module.quiz)
    last = shown_questions(client.get(url).text, module.quiz)[-1].question
    for name in [name for name in form if name == last.id or name.startswith(last.id + ".")]:
        del form[name]
    return client.post(url, data=form), shown(locale, slug)


@page_type("self-test result, failed")
def _quiz_failed(client, locale, slug):
    return _post_quiz(client, locale, slug, right=False)


@page_type("self-test result, passed")
def _quiz_passed(client, locale, slug):
    return _post_quiz(client, locale, slug, right=True)


@page_type("404 unknown module")
def _no_module(client, locale, slug):
    return client.get(f"/{locale}/modules/no-such-module/"), []


@page_type("404 unknown page under the locale")
def _no_page(client, locale, slug):
    return client.get(f"/{locale}/no/such/page"), []


@page_type("404 unknown locale, negotiated")
def _no_locale(client, locale, slug):
    return client.get("/xx/", headers={"Accept-Language": locale}), []


@page_type("400 expired form")
def _expired_form(client, locale, slug):
    return client.post(f"/{locale}/modules/{slug}/quiz", data={"x": "1"}), []


@page_type("405 wrong method")
def _wrong_method(client, locale, slug):
    return client.delete(f"/{locale}/modules/{slug}/"), []


def form_token(response) -> str:
    """The CSRF token of a form, whichever order its input's attributes come in."""
    html = response.get_data(as_text=True)
    match = re.search(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, f"no form on the page ({response.status_code}): {html[:3000]}"
    return match.group(1)


def _with_language(client, locale):
    client.set_cookie("omnicourse_locale", locale)  # pages outside /<locale>/ use the saved choice
    return client


@page_type("log in")
def _login(client, locale, slug):
    return _with_language(client, locale).get("/auth/login"), []


@page_type("log in, wrong password")
def _login_failed(client, locale, slug):
    client = _with_language(client, locale)
    token = form_token(client.get("/auth/login"))
    form = {"csrf_token": token, "email": f"nobody-{locale}@example.com", "password": "x" * 9}
    return client.post("/auth/login", data=form), []


@page_type("log in, empty form")
def _login_empty(client, locale, slug):
    client = _with_language(client, locale)
    return client.post(
        "/auth/login", data={"csrf_token": form_token(client.get("/auth/login"))}
    ), []


@page_type("register")
def _register(client, locale, slug):
    return _with_language(client, locale).get("/auth/register"), []


@page_type("account")
def _account(client, locale, slug):
    log_in(client.application, _with_language(client, locale), "learner")
    return client.get("/auth/account"), []


def _signed_up(client, locale):
    """A new, unconfirmed account of this client, signed in."""
    from tests.learners import login, register

    email = f"new-{locale}@example.com"
    register(_with_language(client, locale), email, follow_link=False)
    login(client, email)
    return email


@page_type("register, weak password")
def _register_weak(client, locale, slug):
    client = _with_language(client, locale)
    form = {"csrf_token": form_token(client.get("/auth/register")), "email": "a@example.com",
            "password": "12345678", "confirm": "12345678"}  # fmt: skip
    return client.post("/auth/register", data=form), []


@page_type("check your inbox")
def _check_inbox(client, locale, slug):
    from tests.learners import register

    email = f"inbox-{locale}@example.com"
    response = register(_with_language(client, locale), email, follow_link=False)
    return client.get(response.location), []


@page_type("confirmation link")
def _confirm_link(client, locale, slug):
    from tests.learners import register
    from tests.mail import link_to

    email = f"link-{locale}@example.com"
    register(_with_language(client, locale), email, follow_link=False)
    return client.get(link_to(client.application, email, "verify-email", "/")), []


@page_type("link that no longer works")
def _link_expired(client, locale, slug):
    return _with_language(client, locale).get("/auth/reset/" + "x" * 43), []


@page_type("account, address not confirmed")
def _account_unconfirmed(client, locale, slug):
    _signed_up(client, locale)
    return client.get("/auth/account"), []


@page_type("certificate needs a confirmed address")
def _verify_needed(client, locale, slug):
    _signed_up(client, locale)
    return client.get("/auth/verify"), []


@page_type("forgot password")
def _reset_request(client, locale, slug):
    return _with_language(client, locale).get("/auth/reset"), []


@page_type("reset link sent")
def _reset_sent(client, locale, slug):
    client = _with_language(client, locale)
    form = {"csrf_token": form_token(client.get("/auth/reset")), "email": "x@example.com"}
    return client.get(client.post("/auth/reset", data=form).location), []


@page_type("choose a new password")
def _reset_form(client, locale, slug):
    from tests.learners import add_user
    from tests.mail import link_to

    client = _with_language(client, locale)
    app = client.application
    email = f"reset-{locale}@example.com"
    add_user(app, email)
    form = {"csrf_token": form_token(client.get("/auth/reset")), "email": email}
    client.post("/auth/reset", data=form)
    path = link_to(app, email, "reset-password", "/auth/reset/")
    form = {"csrf_token": form_token(client.get(path)), "password": "abc", "confirm": "abd"}
    return client.post(path, data=form), []


@page_type("change the email address, and sent")
def _change_email(client, locale, slug):
    log_in(client.application, _with_language(client, locale), "learner")
    form = {"csrf_token": form_token(client.get("/auth/email")), "email": "bad", "current": ""}
    return client.post("/auth/email", data=form), []


@page_type("log out")
def _logout(client, locale, slug):
    log_in(client.application, _with_language(client, locale), "learner")
    return client.get("/auth/logout"), []


@page_type("log in, held back")
def _login_locked(client, locale, slug):
    client = _with_language(client, locale)
    for _ in range(6):
        token = form_token(client.get("/auth/login"))
        form = {"csrf_token": token, "email": "held@example.com", "password": "x" * 9}
        response = client.post("/auth/login", data=form)
    assert response.status_code == 429
    return response, []


@page_type("progress, nothing done yet")
def _progress(client, locale, slug):
    return client.get(f"/{locale}/progress"), shown(locale)


@page_type("progress and attempt review, signed in")
def _progress_review(client, locale, slug):
    log_in(client.application, _with_language(client, locale), "learner")
    _post_quiz(client, locale, slug, right=False)
    page = client.get(f"/{locale}/progress").get_data(as_text=True)
    review = re.search(rf'href="(/{locale}/progress/attempts/\d+)"', page)
    assert review, "the progress page links no attempt"
    return client.get(review.group(1)), shown(locale)


@page_type("mark a section as read")
def _mark_read(client, locale, slug):
    section = COURSE.resolve(locale, slug).module.sections[0].id
    return client.get(f"/{locale}/modules/{slug}/sections/{section}/read"), shown(locale, slug)


@page_type("403 not a translator")
def _not_translator(client, locale, slug):
    log_in(client.application, _with_language(client, locale), "learner")
    return client.get("/translate/"), []


@page_type("translation status")
def _translate(client, locale, slug):
    log_in(client.application, _with_language(client, locale), "translator")
    return client.get("/translate/"), shown(locale) + [m.path for m in COURSE.source_modules()]


@page_type("audio")
def _audio(client, locale, slug):
    return client.get(f"/{locale}/modules/{slug}/audio.mp3"), []


@page_type("PDF")
def _pdf(client, locale, slug):
    return client.get(f"/{locale}/modules/{slug}.pdf"), []


@page_type("feedback form")
def _feedback(client, locale, slug):
    return client.get(f"/{locale}/modules/{slug}/feedback"), shown(locale, slug)


@page_type("feedback form, with mistakes")
def _feedback_invalid(client, locale, slug):
    url = f"/{locale}/modules/{slug}/feedback"
    form = {"csrf_token": form_token(client.get(url)), "email": "not-an-address", "improve": "x"}
    return client.post(url, data=form), shown(locale, slug)


@page_type("feedback thanks")
def _feedback_thanks(client, locale, slug):
    return client.get(f"/{locale}/modules/{slug}/feedback/thanks"), shown(locale, slug)


@page_type("was this section helpful")
def _section_vote(client, locale, slug):
    section = COURSE.resolve(locale, slug).module.sections[0].id
    url = f"/{locale}/modules/{slug}/sections/{section}/helpful"
    return client.get(url), shown(locale, slug)


def _admin_page(client, locale, endpoint: str):
    app = client.application
    if endpoint not in app.view_functions:
        pytest.skip(f"{endpoint} is not registered yet")
    log_in(app, _with_language(client, locale), "admin")
    with app.test_request_context():
        url = url_for(endpoint)
    return client.get(url), [p for code in COURSE.locales for p in shown(code)]


@page_type("review desk: feedback")
def _admin_feedback(client, locale, slug):
    return _admin_page(client, locale, "admin.feedback_list")


@page_type("review desk: analytics")
def _admin_analytics(client, locale, slug):
    return _admin_page(client, locale, "admin.analytics")


class _VisibleText(HTMLParser):
    """The text a user can see or hear: text nodes and labelling attributes."""

    LABELS = ("aria-label", "title", "alt", "placeholder")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        values = dict(attrs)
        self.parts += [values[name] or "" for name in self.LABELS if name in values]
        if tag == "input" and values.get("type") in ("submit", "button"):
            self.parts.append(values.get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return "\n".join(" ".join(part.split()) for part in parser.parts)


PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%")
MIN_LENGTH = 7  # shorter pieces ("Main", "PDF", "EQF: ") may be names or codes


def english_strings() -> set[str]:
    """The English interface strings, split at their placeholders."""
    with (TRANSLATIONS / "messages.pot").open("rb") as handle:
        template = read_po(handle)
    pieces = set()
    for message in template:
        for msgid in [message.id] if isinstance(message.id, str) else message.id:
            for piece in PLACEHOLDER.split(msgid or ""):
                piece = piece.strip(" :·()")
                if len(piece) >= MIN_LENGTH and re.search(r"[A-Za-z]{3}", piece):
                    pieces.add(piece)
    return pieces


ENGLISH = english_strings()


def english_left(locale: str, html: str, content_files: list[Path]) -> list[str]:
    """English interface strings on a page of `locale`, other than those the content uses."""
    translations = Translations.load(str(TRANSLATIONS), [locale])
    own = "\n".join(
        [translations.gettext(s) for s in ENGLISH]  # a translation may keep a word (EQF)
        + [p.read_text(encoding="utf-8") for p in content_files]
        + [COURSE.title(locale)]
    )
    text = visible_text(html)
    return sorted(
        piece
        for piece in ENGLISH
        if re.search(rf"(?<!\w){re.escape(piece)}(?!\w)", text) and piece not in own
    )


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    # One test client address asks for many emails here.
    relaxed = {"MAIL_REQUESTS_PER_ADDRESS": 10**6, "MAIL_REQUESTS_PER_NETWORK": 10**6}
    return make_app(tmp_path_factory.mktemp("pages"), **relaxed)


CASES = [
    pytest.param(locale, name, slug, id=f"{locale}-{name}-{slug}")
    for locale in LOCALES
    for name in PAGE_TYPES
    for slug in ([m.slug for m in COURSE.source_modules()] if name == "module page" else [FIRST])
]


@pytest.mark.parametrize(("locale", "name", "slug"), CASES)
def test_no_english_interface_text(app, locale, name, slug):
    response, content_files = PAGE_TYPES[name](app.test_client(), locale, slug)
    if response.mimetype != "text/html":
        return  # an MP3 or a PDF: no interface text to check here
    html = response.get_data(as_text=True)
    assert f'<html lang="{locale}"' in html, f"{name} is not in {locale}"
    assert english_left(locale, html, content_files) == []


def test_the_check_finds_english_text_when_there_is_some(app):
    """The comparison itself works: an English page of a translated locale is caught."""
    client = app.test_client()
    html = client.get("/en/modules/principles/").get_data(as_text=True)
    left = english_left("pl", html, [])
    assert "Learning outcomes" in left and "Skip to main content" in left
