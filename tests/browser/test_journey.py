"""The whole journey, as people make it: a learner in Polish, then Chinese; an admin."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from tests.browser.test_accessibility import COURSE
from tests.conftest import make_app
from tests.learners import PASSWORD, add_user
from tests.quizzes import answer_in_browser

MODULE = COURSE.source_modules()[1]
SECTION = MODULE.sections[0].id
COMMENT = "Journey feedback: the comparison table helped me a lot."


def test_learner_and_admin_journey(browser, live_server, live_database, tmp_path):
    learner = browser.new_context(accept_downloads=True)
    page = learner.new_page()

    # Opens the course in Polish and goes to the module.
    page.goto(f"{live_server}/pl/")
    polish = COURSE.resolve("pl", MODULE.slug).module
    page.get_by_role("link", name=polish.title).click()
    page.wait_for_url(f"**/pl/modules/{MODULE.slug}/")

    # Expands a section and reads it.
    section = page.locator(f"details#{SECTION}")
    assert section.evaluate("d => d.open")  # the first section is open at once
    assert section.locator(".section__body p").first.is_visible()

    # Plays the audio: it really advances.
    audio = page.locator("#audio audio")
    audio.evaluate("a => { a.muted = true; a.play(); }")
    page.wait_for_function(
        "() => document.querySelector('#audio audio').currentTime > 0.5", timeout=30_000
    )
    audio.evaluate("a => a.pause()")

    # Takes the self-test with every answer right.
    page.goto(f"{live_server}/pl/modules/{MODULE.slug}/quiz")
    answer_in_browser(page, polish.quiz)
    page.locator("form.quiz button[type=submit]").click()
    page.wait_for_selector(".result--passed")
    total = COURSE.draw_size
    assert f"{total} z {total}" in page.locator(".result").inner_text()

    # Sees it in the progress page.
    page.goto(f"{live_server}/pl/progress")
    assert "100" in page.locator("main").inner_text()

    # Switches to Chinese on the same module.
    page.goto(f"{live_server}/pl/modules/{MODULE.slug}/")
    page.locator(".menu--languages summary").click()  # the compact language menu
    page.get_by_role("link", name="中文").click()
    page.wait_for_url(f"**/zh/modules/{MODULE.slug}/**")
    assert page.locator("html").get_attribute("lang") == "zh"
    assert COURSE.resolve("zh", MODULE.slug).module.title in page.locator("h1").inner_text()

    # Downloads the PDF.
    with page.expect_download() as download_info:
        page.locator(f"a[href$='/zh/modules/{MODULE.slug}.pdf']").first.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    assert Path(download.path()).read_bytes()[:5] == b"%PDF-"

    # Sends feedback.
    page.goto(f"{live_server}/zh/modules/{MODULE.slug}/feedback")
    page.locator("input[name=rating][value='5']").check()
    page.locator("textarea[name=comment]").fill(COMMENT)
    page.locator("form [type=submit]").last.click()
    page.wait_for_url("**/thanks**")
    learner.close()

    # An admin finds that feedback on the desk and exports it.
    add_user(make_app(tmp_path, DATABASE_URL=live_database), "journey-admin@example.org", "admin")
    admin = browser.new_context(accept_downloads=True)
    desk = admin.new_page()
    desk.goto(f"{live_server}/auth/login")
    desk.fill("#email", "journey-admin@example.org")
    desk.fill("#password", PASSWORD)
    desk.locator("form [type=submit]").last.click()
    desk.wait_for_url(lambda url: "/auth/login" not in url)
    desk.goto(f"{live_server}/admin/feedback?q=Journey")
    assert COMMENT in desk.locator("main").inner_text()
    with desk.expect_download() as download_info:
        desk.locator("a[href*='/admin/feedback.csv']").first.click()
    text = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert any(COMMENT in cell for row in rows for cell in row)
    assert any("zh" in row for row in rows)
    admin.close()
