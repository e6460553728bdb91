"""The review desk and the analytics on a phone and a desktop, in Chromium: nothing wider
than the screen, what learners wrote in view, chart labels big enough to read, axe clean,
dates in the site's time zone."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest

from app.models import Feedback, Learner, Progress, QuizAttempt, SectionRead, SectionVote
from tests.bench.server import running_server
from tests.browser.test_accessibility import COURSE, FIRST, axe_violations
from tests.browser.test_feedback_desk import log_in
from tests.conftest import make_app
from tests.databases import sqlite_url
from tests.learners import add_user

ADMIN = "desk-admin@example.com"  # the address log_in() signs in with
PHONES = [(390, 844), (320, 640)]
DESKTOP = (1280, 800)
LONG_WORD = "omnichannel" * 12  # no place to break: it must wrap, not widen the page


def fill_admin_data(app, learners: int = 40) -> None:
    """Feedback in every language (long texts too), a module's learners at every step,
    enough self-test attempts to judge some questions and too few for others, section votes."""
    module = COURSE.resolve("en", FIRST).module
    questions = module.quiz.questions
    rng = random.Random(7)
    with app.extensions["db_sessionmaker"]() as session:
        for number in range(30):
            locale = COURSE.locales[number % len(COURSE.locales)]
            session.add(
                Feedback(
                    module_slug=COURSE.source_modules()[number % 3].slug,
                    locale=locale,
                    content_hash=module.content_hash,
                    rating=1 + number % 5,
                    clarity=1 + (number + 2) % 5,
                    usefulness=1 + (number + 3) % 5,
                    improve=(
                        f"More examples from small shops, please. {LONG_WORD}"
                        if number % 4 == 0
                        else "The comparison table helped me a lot; the quiz was hard."
                    ),
                    comment="" if number % 3 else "Thank you!",
                    status=("new", "in_progress", "done")[number % 3],
                    created_at=datetime(2026, 11, 1, 12) + timedelta(days=number, hours=number),
                )
            )
        # Midnight-and-a-half UTC on 1 December: already 1 December in Warsaw.
        session.add(
            Feedback(
                module_slug=FIRST,
                locale="en",
                content_hash=module.content_hash,
                rating=5,
                improve="Sent just after midnight.",
                created_at=datetime(2026, 12, 1, 0, 30),
            )
        )
        for number in range(learners):
            learner = Learner(key=f"admin-layout-learner-{number:04d}")
            session.add(learner)
            session.flush()
            session.add(
                Progress(
                    learner_id=learner.id,
                    module_slug=FIRST,
                    created_at=datetime(2026, 11, 2) + timedelta(hours=number),
                )
            )
            for section in module.sections[: number % (len(module.sections) + 1)]:
                when = datetime(2026, 11, 3)
                session.add(
                    SectionRead(
                        learner_id=learner.id,
                        module_slug=FIRST,
                        section_id=section.id,
                        opened_at=when,
                        read_at=when,
                    )
                )
            if number % 4 == 3:
                continue  # opened and read, never took the self-test
            # The first questions of the bank are drawn every time, the others now and then.
            drawn = [*questions[:6], *rng.sample(questions[6:], 4)]
            answers = {
                q.id: sorted(q.correct_keys) if rng.random() < 0.7 else [q.options[-1].key]
                for q in drawn
            }
            score = sum(sorted(q.correct_keys) == answers[q.id] for q in drawn)
            session.add(
                QuizAttempt(
                    learner_id=learner.id,
                    module_slug=FIRST,
                    locale=COURSE.locales[number % len(COURSE.locales)],
                    content_hash=module.content_hash,
                    answers=answers,
                    score=score,
                    total=len(drawn),
                    submitted_at=datetime(2026, 11, 5) + timedelta(hours=number),
                )
            )
            for section in module.sections[:2]:
                session.add(
                    SectionVote(
                        learner_id=learner.id,
                        module_slug=FIRST,
                        section_id=section.id,
                        locale="en",
                        helpful=number % 3 != 0,
                    )
                )
        session.commit()


@pytest.fixture(scope="module")
def admin_site(tmp_path_factory):
    """A server in Warsaw's time zone with its own database full of feedback and attempts."""
    folder = tmp_path_factory.mktemp("admin-layout")
    url = sqlite_url(folder)
    app = make_app(folder, DATABASE_URL=url)
    add_user(app, ADMIN, "admin")
    fill_admin_data(app)
    env = {
        "OMNICOURSE_DATABASE_URL": url,
        "OMNICOURSE_BUILD_ON_START": "false",
        "OMNICOURSE_TIME_ZONE": "Europe/Warsaw",
    }
    with running_server(workers=2, env=env) as port:
        yield f"http://127.0.0.1:{port}"


def page_overflow(page) -> int:
    """How many pixels the page is wider than the window (0 when nothing sticks out)."""
    return page.evaluate(
        "() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth)"
    )


def smallest_chart_text(page) -> float:
    """The smallest chart label as drawn, in CSS pixels: its font size times the chart's scale."""
    return page.evaluate(
        """() => Math.min(...[...document.querySelectorAll('svg.chart text')].map(text => {
             const size = parseFloat(getComputedStyle(text).fontSize);
             return size * text.getScreenCTM().a;
           }))"""
    )


@pytest.mark.parametrize("width,height", PHONES)
def test_the_desk_fits_a_phone_and_shows_what_learners_wrote(browser, admin_site, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        log_in(page, admin_site)
        page.goto(f"{admin_site}/admin/feedback?lang=en")
        assert page_overflow(page) == 0
        cards = page.locator(".desk-card")
        assert cards.count() == 25
        for index in (0, 3):  # the 4th has the long unbroken word
            text = cards.nth(index).locator(".desk-card__text")
            box = text.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= width, index
            assert text.locator("h3").inner_text() == "What they wrote"
            assert text.is_visible()
        assert axe_violations(page) == []
    finally:
        context.close()


@pytest.mark.parametrize("width,height", [*PHONES, DESKTOP])
def test_analytics_fit_the_screen_with_readable_charts(browser, admin_site, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        log_in(page, admin_site)
        page.goto(f"{admin_site}/admin/analytics?lang=en")
        assert (
            page.locator(".analytics-module h2").inner_text()
            == COURSE.resolve("en", FIRST).module.title
        )  # the first module with data, alone
        assert page.locator(".analytics-module").count() == 1
        assert page.locator("svg.chart").count() == 3  # ratings, scores, questions
        assert page_overflow(page) == 0
        assert smallest_chart_text(page) >= 12
        # Wide tables scroll in their own box, which the keyboard can reach.
        box = page.locator(".analytics-questions .admin-scroll")
        assert box.get_attribute("tabindex") == "0" and box.get_attribute("role") == "region"
        assert box.evaluate("el => el.scrollWidth > el.clientWidth") == (width < 800)
        for details in page.locator("details").all():
            details.evaluate("element => element.open = true")
        assert page_overflow(page) == 0
        assert axe_violations(page) == []
    finally:
        context.close()


def test_the_module_selector_works_without_javascript(browser, admin_site):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        log_in(page, admin_site)
        page.goto(f"{admin_site}/admin/analytics?lang=pl")
        last = COURSE.source_modules()[3]  # no learners, no feedback
        page.select_option("#module", last.slug)
        page.locator(".analytics-picker [type=submit]").click()
        page.wait_for_url(lambda url: f"module={last.slug}" in url)
        assert "lang=pl" in page.url  # the form keeps the page's language
        assert page.locator("html").get_attribute("lang") == "pl"
        assert page.locator(".analytics-module h2").inner_text() == (
            COURSE.resolve("pl", last.slug).module.title
        )
        assert page.locator(".analytics-empty").count() == 1  # no learners: one sentence
        assert page.locator(".analytics-module table").count() == 0
    finally:
        context.close()


def test_dates_are_the_site_time_zone_days(page, admin_site):
    log_in(page, admin_site)
    page.goto(f"{admin_site}/admin/feedback?lang=en&q=midnight")
    assert page.locator(".desk-card time").inner_text().startswith("Dec 1, 2026")
    page.locator(".desk-card__title a").click()
    assert "Dec 1, 2026" in page.locator("dl.facts time").inner_text()
