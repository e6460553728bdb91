"""axe-core (WCAG 2.1 A/AA) on every page type in every locale: zero violations."""

from __future__ import annotations

import pytest

from course import load_course
from tests.conftest import REAL_CONTENT
from tests.quizzes import answer_in_browser

COURSE = load_course(REAL_CONTENT)
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FIRST = COURSE.source_modules()[0].slug
FIRST_SECTION = COURSE.source_modules()[0].sections[0].id

# Page types a learner meets; other features add theirs here.
PAGES = [
    "/{locale}/",
    "/{locale}/modules/{slug}/",
    "/{locale}/modules/{slug}/quiz",
    "/{locale}/modules/no-such-module/",
    "/{locale}/modules/{slug}/feedback",
    "/{locale}/modules/{slug}/feedback/thanks",
    "/{locale}/modules/{slug}/sections/" + FIRST_SECTION + "/helpful?answer=yes",
    "/{locale}/modules/{slug}/sections/" + FIRST_SECTION + "/read",
    "/{locale}/progress",
    "/{locale}/glossary/",
    # Pages outside /<locale>/ speak the chosen language (the switcher sets it).
    "/language/{locale}?next=/auth/login",
    "/language/{locale}?next=/auth/register",
    "/language/{locale}?next=/verify",
    "/language/{locale}?next=/verify/NOT-A-REAL-CODE",
]  # the review desk's pages (they need an admin) are checked in test_feedback_desk.py


def axe_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes: {v['nodes'][0]['target']})"
        for v in results.response["violations"]
    ]


@pytest.mark.parametrize("locale", COURSE.locales)
@pytest.mark.parametrize("template", PAGES)
def test_page_has_no_accessibility_violations(page, live_server, locale, template):
    page.goto(live_server + template.format(locale=locale, slug=FIRST))
    for details in page.locator("details").all():
        details.evaluate("element => element.open = true")  # check the hidden text too
    assert page.locator("html").get_attribute("lang") == locale
    assert axe_violations(page) == []


@pytest.mark.parametrize("locale", COURSE.locales)
@pytest.mark.parametrize("slug", [m.slug for m in COURSE.source_modules()[1:]])
def test_every_other_module_page_has_no_accessibility_violations(page, live_server, locale, slug):
    """Each module has its own tables, cases, model answers and glossary links."""
    page.goto(f"{live_server}/{locale}/modules/{slug}/")
    for details in page.locator("details").all():
        details.evaluate("element => element.open = true")
    assert axe_violations(page) == []


def test_a_self_test_with_a_question_left_out_has_no_accessibility_violations(page, live_server):
    page.goto(f"{live_server}/en/modules/{FIRST}/quiz")
    page.locator("fieldset input").first.check()
    page.get_by_role("button", name="Check my answers").click()
    page.wait_for_selector(".error-summary")
    assert page.locator(".question--missing").count() >= 1
    assert axe_violations(page) == []


@pytest.mark.parametrize("locale", COURSE.locales)
def test_graded_self_test_has_no_accessibility_violations(page, live_server, locale):
    page.goto(f"{live_server}/{locale}/modules/{FIRST}/quiz")
    quiz = COURSE.resolve(locale, FIRST).module.quiz
    answer_in_browser(page, quiz, right=[True, False] * 5)
    page.locator("form.quiz button[type=submit]").click()
    page.wait_for_selector(".result")
    assert axe_violations(page) == []
