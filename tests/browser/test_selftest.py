"""Self-tests in a real browser: every question kind in every language, with and without
JavaScript; the limits and reading times learners meet; the certificate rule."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_accessibility import COURSE, FIRST
from tests.quizzes import answer_in_browser, shown_questions

SECTION = COURSE.source_modules()[0].sections[0].id


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("locale", COURSE.locales)
def test_every_kind_of_question_can_be_answered_in_every_language(
    browser, live_server, locale, javascript
):
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    try:
        page.goto(f"{live_server}/{locale}/modules/{FIRST}/quiz")
        quiz = COURSE.resolve(locale, FIRST).module.quiz
        shown = answer_in_browser(page, quiz)
        kinds = {item.question.kind for item in shown}
        assert {"ordering", "matching"} & kinds, kinds  # every draw holds item-graded ones
        page.locator("form.quiz button[type=submit]").click()
        page.wait_for_selector(".result--passed")
        total = COURSE.draw_size
        assert re.search(rf"\b{total}\b.*\b{total}\b", page.locator(".result h2").inner_text())
        assert page.locator(".question--correct").count() == total
        assert page.locator(".tag--wrong").count() == 0
    finally:
        context.close()


def test_an_ordering_question_swaps_places_so_each_is_used_once(page, live_server):
    # Draw again until an ordering question is shown (every draw has item-graded ones).
    for _ in range(20):
        page.goto(f"{live_server}/en/modules/{FIRST}/quiz")
        ordering = page.locator("fieldset.question--ordering")
        if ordering.count():
            break
        answer_in_browser(page, COURSE.resolve("en", FIRST).module.quiz)
        page.locator("form.quiz button[type=submit]").click()
        page.wait_for_selector(".result")
    fieldset = ordering.first
    first, second = fieldset.locator("select").nth(0), fieldset.locator("select").nth(1)
    first.select_option("1")
    second.select_option("2")
    first.focus()
    first.select_option("2")  # the place the second item holds
    first.evaluate("select => select.blur()")  # leaving the list makes the swap
    assert (first.input_value(), second.input_value()) == ("2", "1")


def test_a_learner_who_skips_a_question_is_told_which_and_keeps_the_answers(page, live_server):
    page.goto(f"{live_server}/en/modules/{FIRST}/quiz")
    quiz = COURSE.resolve("en", FIRST).module.quiz
    answer_in_browser(page, quiz)
    skipped = page.locator("form.quiz fieldset").nth(2)
    for radio in skipped.locator("input").all():
        radio.evaluate("input => input.checked = false")
    for select in skipped.locator("select").all():
        select.select_option("")
    page.locator("form.quiz button[type=submit]").click()
    page.wait_for_selector(".error-summary")
    assert "Question 3" in page.locator(".error-summary").inner_text()
    assert page.locator("form.quiz fieldset").nth(0).locator(":checked").count() >= 1
    assert page.locator(".feedback").count() == 0  # no explanation before a full answer


def test_the_next_attempt_waits_and_the_answers_stay(browser, strict_server):
    context = browser.new_context()
    page = context.new_page()
    try:
        quiz = COURSE.resolve("en", FIRST).module.quiz
        page.goto(f"{strict_server}/en/modules/{FIRST}/quiz")
        first = shown_questions(page.content(), quiz)
        answer_in_browser(page, quiz, right=False)
        page.locator("form.quiz button[type=submit]").click()
        page.wait_for_selector(".result--failed")
        assert "You can take a new self-test in" in page.locator(".result").inner_text()
        page.get_by_role("link", name="Take a new self-test").click()
        second = shown_questions(page.content(), quiz)
        assert [i.question.id for i in second] != [i.question.id for i in first]
        answer_in_browser(page, quiz)
        page.locator("form.quiz button[type=submit]").click()
        page.wait_for_selector(".notice--alert")
        assert "You can send your answers in" in page.locator(".notice--alert").inner_text()
        assert page.locator("form.quiz :checked").count() >= 1  # still answered
    finally:
        context.close()


def test_reading_too_fast_does_not_count_and_the_certificate_waits(browser, strict_server):
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(f"{strict_server}/en/modules/{FIRST}/#{SECTION}")
        section = page.locator(f"details#{SECTION}")
        if not section.evaluate("d => d.open"):
            section.locator("summary").click()
        section.locator("button[data-mark-read]").click()
        note = section.locator(".section-tools__note")
        note.wait_for()
        assert re.search(r"about \d+ seconds more", note.inner_text())
        assert section.locator("[data-marked-read]").count() == 0
        progress = page.request.get(f"{strict_server}/api/progress").json()
        assert progress["modules"][FIRST]["sections_read"] == 0
        # A passed self-test alone does not complete the module.
        page.goto(f"{strict_server}/en/modules/{FIRST}/quiz")
        answer_in_browser(page, COURSE.resolve("en", FIRST).module.quiz)
        page.locator("form.quiz button[type=submit]").click()
        page.wait_for_selector(".result--passed")
        progress = page.request.get(f"{strict_server}/api/progress").json()
        assert progress["modules"][FIRST]["quiz"]["passed"] is True
        assert progress["modules"][FIRST]["completed"] is False
    finally:
        context.close()
