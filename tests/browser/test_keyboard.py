"""A module page can be used with the keyboard alone."""

from __future__ import annotations

from tests.browser.test_accessibility import FIRST


def focused(page) -> str:
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return e.tagName + ':' + (e.getAttribute('href') || e.textContent.trim()); }"
    )


def test_skip_link_comes_first_and_moves_to_the_content(page, live_server):
    page.goto(f"{live_server}/en/modules/{FIRST}/")
    page.keyboard.press("Tab")
    assert focused(page) == "A:#main"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_sections_open_and_close_with_the_keyboard(page, live_server):
    page.goto(f"{live_server}/en/modules/{FIRST}/")
    second_section = page.locator("details.section").nth(1)
    summary = second_section.locator("summary")
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement === document.querySelectorAll('details.section > summary')[1]"):
            break
    assert page.evaluate("document.activeElement === document.querySelectorAll('details.section > summary')[1]")
    page.keyboard.press("Enter")
    assert second_section.evaluate("d => d.open")
    assert second_section.locator(".section__body p").first.is_visible()
    page.keyboard.press("Enter")
    assert not second_section.evaluate("d => d.open")
    assert summary.is_visible()


def test_self_test_can_be_answered_and_sent_with_the_keyboard(page, live_server):
    page.goto(f"{live_server}/en/modules/{FIRST}/quiz")
    for fieldset in page.locator("form.quiz fieldset").all():
        selects = fieldset.locator("select").all()
        if selects:  # ordering and matching: each list set with the arrow keys
            for index, select in enumerate(selects):
                select.focus()
                for _ in range(index + 1):  # a different place for each item
                    page.keyboard.press("ArrowDown")
                assert select.input_value() == str(index + 1)
        else:  # a radio group or check boxes: Space ticks the focused option
            fieldset.locator("input").first.focus()
            page.keyboard.press("Space")
            assert fieldset.locator("input").first.is_checked()
    page.get_by_role("button", name="Check my answers").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector(".result")
    assert "Your score" in page.locator(".result").inner_text()
