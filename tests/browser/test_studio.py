"""The studio in Chromium, on a server of its own with a copy of the course: an instructor
edits a section and watches the preview follow, publishes, and learners see it at once;
a conflict is shown; history restores an earlier version; axe is clean on every page."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from app.auth.accounts import find_user
from tests.bench.server import running_server
from tests.browser.test_accessibility import COURSE, FIRST, axe_violations
from tests.conftest import REAL_CONTENT, make_app
from tests.databases import sqlite_url
from tests.learners import PASSWORD, add_user

INSTRUCTOR = "studio-author@example.org"
TRANSLATOR = "studio-tlumacz@example.org"
ADMIN = "studio-admin@example.org"
MODULE = COURSE.resolve("en", FIRST).module
FILE = MODULE.path.relative_to(REAL_CONTENT)
ADDED = "Studio check: this sentence was added in the browser."


@pytest.fixture(scope="module")
def studio_server(tmp_path_factory, built_course) -> Iterator[tuple[str, object]]:
    """A server of its own (two workers) over a copy of the course, which the tests edit."""
    folder = tmp_path_factory.mktemp("studio")
    content = folder / "content"
    shutil.copytree(REAL_CONTENT, content)
    database = sqlite_url(folder)
    env = {"OMNICOURSE_CONTENT_DIR": str(content), "OMNICOURSE_DATABASE_URL": database,
           "OMNICOURSE_TTS_ENGINES": "recording,espeak"}  # fmt: skip
    with running_server(workers=2, env=env, prebuilt=built_course.build) as port:
        app = make_app(folder / "app", DATABASE_URL=database)
        add_user(app, INSTRUCTOR, "instructor")
        add_user(app, TRANSLATOR, "translator")
        add_user(app, ADMIN, "admin")
        with app.extensions["db_sessionmaker"]() as db:
            find_user(db, TRANSLATOR).studio_locales = "pl"
            db.commit()
        yield f"http://127.0.0.1:{port}", content


def sign_in(page, server: str, email: str = INSTRUCTOR) -> None:
    page.goto(f"{server}/auth/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("form.form [type=submit]").click()
    page.wait_for_url(lambda url: "/auth/login" not in url)


def learner_sees(browser, url: str, text: str) -> bool:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(url)
        return text in page.locator("main").inner_text()
    finally:
        context.close()


def test_an_instructor_edits_previews_and_publishes(page, browser, studio_server):
    server, content = studio_server
    sign_in(page, server)
    page.goto(f"{server}/studio/")
    assert axe_violations(page) == []
    page.get_by_role("link", name=MODULE.title).first.click()
    editor = page.locator("#text")
    original = editor.input_value()
    assert original == (content / FILE).read_text(encoding="utf-8")
    assert axe_violations(page) == []

    # A slip in the front matter is reported at its line as one types; the fix clears it.
    editor.fill(original.replace("\norder:", "\norder: [", 1))
    problems = page.locator("#studio-problems")
    problems.get_by_role("link", name="Line").first.wait_for()
    assert "YAML" in problems.inner_text()
    # The highlighted copy under the text underlines that line, and wraps as the text does.
    highlight = page.locator(".code-editor__highlight")
    line = int(problems.get_by_role("link", name="Line").first.get_attribute("data-line"))
    marked = highlight.locator(".t-problem").first
    marked.wait_for()
    assert marked.inner_text() == editor.input_value().splitlines()[line - 1]
    assert highlight.bounding_box() == editor.bounding_box()
    assert highlight.evaluate("e => e.scrollHeight") == editor.evaluate("e => e.scrollHeight")
    headings = [line for line in original.splitlines() if line.startswith(("## ", "### "))]
    assert highlight.locator(".t-heading").count() == len(headings)
    # The new sentence, at the end of the first section, appears in the preview.
    first_title = MODULE.sections[0].title
    headings = [line for line in original.splitlines() if line.startswith("## ")]
    second_heading = headings[1]
    edited = original.replace(second_heading, f"{ADDED}\n\n{second_heading}", 1)
    editor.fill(edited)
    preview = page.locator("#studio-preview")
    preview.get_by_text(ADDED).wait_for()
    assert first_title in preview.inner_text()
    assert "No problems found." in problems.inner_text()
    assert not learner_sees(browser, f"{server}/en/modules/{FIRST}/", ADDED)

    page.fill("#message", "A sentence added from the studio")
    page.get_by_role("button", name="Publish").click()
    page.get_by_text("Published. Learners see the new version now.").wait_for()
    assert ADDED in (content / FILE).read_text(encoding="utf-8")
    # Both workers serve the new text without a restart.
    for _ in range(4):
        assert learner_sees(browser, f"{server}/en/modules/{FIRST}/", ADDED)


def test_a_conflict_is_shown_and_history_restores(page, browser, studio_server):
    server, content = studio_server
    sign_in(page, server)
    page.goto(f"{server}/studio/en/{FIRST}/")
    editor = page.locator("#text")
    before = editor.input_value()
    editor.fill(before.replace(ADDED, "My competing sentence."))
    # Meanwhile someone changes the file with a text editor.
    path = content / FILE
    path.write_text(before.replace(ADDED, "Changed on disk."), encoding="utf-8")
    page.get_by_role("button", name="Publish").click()
    page.get_by_role("heading", name="Someone else published this file").wait_for()
    assert "Changed on disk." in page.locator("main").inner_text()
    assert "My competing sentence." in page.locator("main").inner_text()
    assert "Changed on disk." in path.read_text(encoding="utf-8")
    assert axe_violations(page) == []

    page.goto(f"{server}/studio/en/{FIRST}/history")
    assert axe_violations(page) == []
    page.locator(".studio-history a").first.click()  # the publication that added ADDED
    assert ADDED in page.locator(".diff").inner_text()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Restore this version").click()
    page.get_by_text("The earlier version is published again.").wait_for()
    assert ADDED in path.read_text(encoding="utf-8")
    assert learner_sees(browser, f"{server}/en/modules/{FIRST}/", ADDED)

    # The draft with the competing sentence is still there, with its staff preview link.
    page.goto(f"{server}/studio/en/{FIRST}/")
    assert "My competing sentence." in page.locator("#text").input_value()
    page.get_by_role("link", name="Preview link for staff").click()
    assert "My competing sentence." in page.locator("main").inner_text()
    assert axe_violations(page) == []


def test_a_translator_updates_an_outdated_section_and_marks_it_current(page, studio_server):
    server, content = studio_server
    section = MODULE.sections[0]
    source = content / FILE
    sentence = "A source sentence the Polish text does not have yet."
    text = source.read_text(encoding="utf-8")
    second = [line for line in text.splitlines() if line.startswith("## ")][1]
    source.write_text(text.replace(second, f"{sentence}\n\n{second}", 1), encoding="utf-8")

    sign_in(page, server, TRANSLATOR)
    part = page.locator(f"#part-{section.id}")
    for _ in range(40):  # the servers reload the changed file within a second or two
        page.goto(f"{server}/studio/pl/{FIRST}/")
        if "Outdated" in part.inner_text():
            break
        page.wait_for_timeout(250)
    assert "Outdated" in part.inner_text()
    assert sentence in part.locator(".diff").inner_text()  # what changed in the source
    assert axe_violations(page) == []

    editor = page.locator("#text")
    polish = editor.input_value()
    polish_second = [line for line in polish.splitlines() if line.startswith("## ")][1]
    added = "Zdanie źródłowe, którego polski tekst jeszcze nie miał."
    editor.fill(polish.replace(polish_second, f"{added}\n\n{polish_second}", 1))
    page.locator("#studio-preview").get_by_text(added).wait_for()
    page.get_by_role("button", name="Publish").click()
    page.get_by_text("Published. Learners see the new version now.").wait_for()
    part.get_by_role("button", name="Mark as current").click()
    page.get_by_text("is marked as current.").wait_for()
    assert "Translated" in part.inner_text()
    assert part.get_by_role("button", name="Mark as current").count() == 0
    assert added in (content / "pl" / FILE.name).read_text(encoding="utf-8")


def test_an_uploaded_image_shows_in_the_preview(page, studio_server, tmp_path):
    server, content = studio_server
    drawing = tmp_path / "Channel map.svg"
    drawing.write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 60" '
                       'onload="alert(1)"><rect width="120" height="60" fill="#1f5fbf"/>'
                       "<script>alert(2)</script></svg>")  # fmt: skip
    sign_in(page, server)
    page.goto(f"{server}/studio/media/")
    assert axe_violations(page) == []
    page.set_input_files("#image", str(drawing))
    page.get_by_role("button", name="Upload the image").click()
    page.get_by_text("The image is saved as channel-map.svg").wait_for()
    assert "script" not in (content / "media" / "channel-map.svg").read_text()
    markdown = page.get_by_label("Markdown to copy").first.input_value()
    assert markdown == "![What the image shows](../media/channel-map.svg)"
    assert axe_violations(page) == []

    page.goto(f"{server}/studio/en/{FIRST}/")
    editor = page.locator("#text")
    text = editor.input_value()
    second = [line for line in text.splitlines() if line.startswith("## ")][1]
    editor.fill(text.replace(second, f"![A channel map](../media/channel-map.svg)\n\n{second}"))
    image = page.locator("#studio-preview img[alt='A channel map']")
    image.wait_for()
    image.evaluate("img => img.complete || new Promise(done => img.onload = done)")
    assert image.evaluate("img => img.naturalWidth") > 0  # the browser could load it


def test_the_start_pages_are_accessible(page, studio_server):
    server, _content = studio_server
    sign_in(page, server, ADMIN)
    for path in ("/studio/new", "/studio/locales/new"):
        page.goto(server + path)
        assert page.locator("h1").is_visible()
        assert axe_violations(page) == []
    # A slug that is not one is refused in the page, with its field marked.
    page.goto(f"{server}/studio/new")
    page.fill("#title", "Customer data")
    page.fill("#slug", "Not a slug!")
    page.get_by_role("button", name="Start the module").click()
    assert page.locator("#slug").get_attribute("aria-invalid") == "true"
    assert axe_violations(page) == []
