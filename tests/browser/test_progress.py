"""progress.js in Chromium: sections opened and read, mark as read, audio, badges; without JS."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import sign_up
from tests.browser.test_accessibility import COURSE, FIRST, axe_violations

READ_WAIT_MS = 10_000
SECTIONS = len(COURSE.resolve("en", FIRST).module.sections)


def api_progress(page) -> dict:
    return page.evaluate(
        "() => fetch('/api/progress', {credentials: 'same-origin'}).then(r => r.json())"
    )["modules"][FIRST]


def test_opening_and_reading_a_section_is_recorded(page, live_server):
    page.goto(f"{live_server}/en/modules/{FIRST}/")
    first = page.locator("details.section").first
    section = first.get_attribute("data-section")
    assert first.evaluate("d => d.open")  # the lesson starts open
    first.locator("[data-section-tools]").scroll_into_view_if_needed()
    # The end of the section stayed on screen: it counts as read, and the page says so.
    first.locator("summary .progress-badge--read").wait_for(timeout=READ_WAIT_MS)
    state = api_progress(page)["sections"][section]
    assert state["opened"] and state["read"]
    assert f"1 of {SECTIONS} sections read" in page.locator("[data-module-progress]").inner_text()

    page.goto(f"{live_server}/en/")
    card = page.locator(f'.module-card[data-module="{FIRST}"]')
    summary = card.locator(".progress-summary")
    summary.wait_for()
    assert f"1 of {SECTIONS} sections read" in summary.inner_text()
    link = page.locator("[data-continue]").get_by_role("link", name="Continue")
    assert link.get_attribute("href").endswith(
        f"/en/modules/{FIRST}/#{api_progress(page)['next_section']}"
    )


def test_mark_as_read_saves_in_place_and_is_remembered(page, live_server):
    page.goto(f"{live_server}/en/modules/{FIRST}/")
    third = page.locator("details.section").nth(2)
    third.locator("summary").click()
    button = third.get_by_role("button", name="Mark as read")
    button.click()
    third.locator("[data-marked-read]").wait_for()
    page.reload()
    page.locator("details.section").nth(2).locator(".progress-badge--read").wait_for()
    assert page.locator(".progress-badge--read").count() >= 1
    assert api_progress(page)["sections_read"] >= 1


def stored_event(section: str | None):
    """Matches the answer to the POST that records audio listened for `section` (None: all)."""

    def matches(response) -> bool:
        request = response.request
        if request.method != "POST" or urlsplit(response.url).path != "/api/progress":
            return False
        event = json.loads(request.post_data or "{}")
        return event.get("event") == "audio-listened" and event.get("section") == section

    return matches


def test_the_audio_players_event_is_recorded(page, live_server):
    page.goto(f"{live_server}/en/modules/{FIRST}/")
    section = page.locator("details.section").nth(1).get_attribute("data-section")
    # Wait for the server's answers, not for a page-side condition: a predicate that
    # returns a promise is truthy at once, so it would not wait at all.
    with (
        page.expect_response(stored_event(section)) as section_saved,
        page.expect_response(stored_event(None), timeout=READ_WAIT_MS) as module_saved,
    ):
        page.evaluate(
            """([module, section]) => {
                 document.dispatchEvent(new CustomEvent("omnicourse:audio-listened",
                   {detail: {module: module, section: section}}));
                 document.dispatchEvent(new CustomEvent("omnicourse:audio-listened",
                   {detail: {module: module, section: null}}));
               }""",
            [FIRST, section],
        )
    assert section_saved.value.ok and module_saved.value.ok
    progress = api_progress(page)
    assert progress["audio_listened"] is True
    assert progress["sections"][section]["audio"] is True


def test_mark_as_read_works_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{live_server}/en/modules/{FIRST}/")
        second = page.locator("details.section").nth(1)
        title = second.locator(".section__title").inner_text()
        second.locator("summary").click()
        second.get_by_role("link", name="Mark as read").click()
        assert title in page.locator("main").inner_text()
        page.get_by_role("button", name="Mark as read").click()
        assert f"“{title}” is marked as read." in page.locator(".messages").inner_text()
        page.goto(f"{live_server}/en/progress")
        assert f"1 of {SECTIONS}" in page.locator(f"#module-{FIRST}").inner_text()
    finally:
        context.close()


@pytest.mark.parametrize(
    "path",
    [
        "/en/progress",
        "/pl/progress",
        f"/en/modules/{FIRST}/sections/what-is-omnichannel/read",
        "/auth/login",
        "/auth/register",
    ],
)
def test_progress_and_account_pages_have_no_accessibility_violations(page, live_server, path):
    page.goto(live_server + path)
    assert axe_violations(page) == []


def test_form_errors_and_signed_in_pages_have_no_accessibility_violations(
    page, live_server, mailbox
):
    page.goto(f"{live_server}/auth/register")
    page.get_by_label("Email address").fill("not an address")
    page.get_by_label("Password", exact=True).fill("password")
    page.get_by_role("button", name="Create my account").click()
    assert page.locator(".field__errors").count() >= 2  # the address, the common password
    assert axe_violations(page) == []
    assert "/auth/check-inbox" not in page.url
    page.goto(f"{live_server}/auth/check-inbox")
    assert axe_violations(page) == []
    page.goto(f"{live_server}/auth/reset")
    assert axe_violations(page) == []
    sign_up(page, live_server, mailbox, "browser-a11y@example.com", "a long enough password")
    paths = ("/auth/account", "/auth/password", "/auth/email", "/auth/delete", "/auth/logout",
             "/en/progress")  # fmt: skip
    for path in paths:
        page.goto(live_server + path)
        assert axe_violations(page) == [], path
