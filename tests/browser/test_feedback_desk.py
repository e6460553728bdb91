"""Feedback and the review desk in Chromium: thumbs with and without JavaScript, axe on every
desk page in every language, and hostile feedback that never runs."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext

from app.models import Feedback, Learner, Progress, QuizAttempt, SectionVote
from tests.bench.server import running_server
from tests.browser.test_accessibility import COURSE, FIRST, axe_violations
from tests.browser.test_xss import XSS_CORPUS
from tests.conftest import make_app
from tests.databases import sqlite_url
from tests.learners import PASSWORD, add_user

ADMIN = "desk-admin@example.com"
DESK_PAGES = ["/admin/feedback", "/admin/feedback/1", "/admin/analytics"]


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    """A server with its own database: an admin, hostile feedback, self-test attempts."""
    folder = tmp_path_factory.mktemp("desk")
    url = sqlite_url(folder)
    app = make_app(folder, DATABASE_URL=url)
    add_user(app, ADMIN, "admin")
    module = COURSE.resolve("en", FIRST).module
    with app.extensions["db_sessionmaker"]() as session:
        for number, hostile in enumerate(XSS_CORPUS):
            session.add(
                Feedback(
                    module_slug=FIRST,
                    locale=COURSE.locales[number % len(COURSE.locales)],
                    content_hash=module.content_hash,
                    rating=1 + number % 5,
                    clarity=1 + (number + 2) % 5,
                    improve=hostile,
                    comment=f"=cmd|' /C calc'!A0 {hostile}",
                    created_at=datetime(2025, 3, 1 + number),
                )
            )
        for number in range(6):
            learner = Learner(key=f"browser-desk-learner-{number:04d}")
            session.add(learner)
            session.flush()
            session.add(Progress(learner_id=learner.id, module_slug=FIRST))
            answers = {
                q.id: sorted(q.correct_keys) if (i + number) % 3 else [q.options[0].key]
                for i, q in enumerate(module.quiz.questions)
            }
            score = sum(sorted(q.correct_keys) == answers[q.id] for q in module.quiz.questions)
            session.add(
                QuizAttempt(
                    learner_id=learner.id,
                    module_slug=FIRST,
                    locale="en",
                    content_hash=module.content_hash,
                    answers=answers,
                    score=score,
                    total=len(module.quiz.questions),
                )
            )
        session.commit()
    env = {"OMNICOURSE_DATABASE_URL": url, "OMNICOURSE_BUILD_ON_START": "false"}
    with running_server(workers=2, env=env) as port:
        yield f"http://127.0.0.1:{port}", app


def log_in(page, base: str) -> None:
    page.goto(f"{base}/auth/login")
    page.fill("#email", ADMIN)
    page.fill("#password", PASSWORD)
    page.locator("form.form button[type=submit], form.form input[type=submit]").click()
    page.wait_for_url(lambda url: "/auth/login" not in url)


@pytest.mark.parametrize("locale", COURSE.locales)
def test_desk_pages_have_no_accessibility_violations(page, desk, locale):
    base, _ = desk
    log_in(page, base)
    for path in DESK_PAGES:
        page.goto(f"{base}/language/{locale}?next={path}")
        assert page.locator("html").get_attribute("lang") == locale
        for details in page.locator("details").all():
            details.evaluate("element => element.open = true")
        assert axe_violations(page) == [], path
    assert page.dialogs == []


def test_hostile_feedback_never_runs_on_the_desk(page, desk):
    base, _ = desk
    log_in(page, base)
    page.goto(f"{base}/language/en?next=/admin/feedback")
    for number in range(1, len(XSS_CORPUS) + 1):
        page.goto(f"{base}/admin/feedback/{number}")
        assert page.locator(".feedback-text").first.inner_text() == XSS_CORPUS[number - 1]
    page.goto(f"{base}/admin/feedback")
    page.goto(f"{base}/admin/analytics")
    assert page.dialogs == []
    assert page.evaluate("() => document.querySelectorAll('iframe, script:not([src])').length") == 0


def votes(app) -> list[tuple[str, bool]]:
    with app.extensions["db_sessionmaker"]() as session:
        rows = session.execute(sa.select(SectionVote.section_id, SectionVote.helpful))
        return sorted((section, helpful) for section, helpful in rows)


def test_thumbs_are_sent_in_place_with_javascript(page, desk):
    base, app = desk
    page.goto(f"{base}/en/modules/{FIRST}/")
    section = page.locator("details.section").nth(1)
    section.locator("summary").click()
    page.evaluate("() => { window.samePage = true; }")
    section.get_by_role("link", name="No").click()
    thanks = section.locator(".section-vote__thanks")
    thanks.wait_for()
    assert thanks.inner_text() == "Thank you for telling us."
    assert page.evaluate("() => document.activeElement.className") == "section-vote__thanks"
    assert page.evaluate("() => window.samePage") is True  # sent in place: no page load
    assert (section.get_attribute("data-section"), False) in votes(app)


def test_thumbs_work_without_javascript(browser, desk):
    base, app = desk
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{base}/pl/modules/{FIRST}/")
        section = page.locator("details.section").nth(2)
        section_id = section.get_attribute("data-section")
        section.locator("summary").click()
        section.locator("a[data-vote=yes]").click()
        page.wait_for_url(lambda url: "/helpful" in url)
        assert page.locator("input[value=yes]").is_checked()
        page.locator("form.form [type=submit]").click()
        page.wait_for_url(lambda url: url.endswith(f"/pl/modules/{FIRST}/#{section_id}"))
        with app.test_request_context(), force_locale("pl"):
            thanks = gettext("Thank you for telling us.")
        assert page.locator(".messages").inner_text() == thanks  # in the learner's language
        assert (section_id, True) in votes(app)
    finally:
        context.close()


def test_the_feedback_form_in_the_browser(page, desk):
    base, app = desk
    page.goto(f"{base}/zh/modules/{FIRST}/feedback")
    page.locator("input[name=rating][value='5']").check(force=True)
    page.fill("#improve", "更多案例")
    page.locator("form.feedback-form [type=submit]").click()
    page.wait_for_url(lambda url: url.endswith("/feedback/thanks"))
    assert page.locator("html").get_attribute("lang") == "zh"
    with app.extensions["db_sessionmaker"]() as session:
        sent = session.scalar(sa.select(Feedback).where(Feedback.improve == "更多案例"))
    assert sent is not None and (sent.locale, sent.rating) == ("zh", 5)
