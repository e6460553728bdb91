"""A voice records a section in Chromium (its fake microphone, which plays a beep: see
CHROMIUM_ARGS in conftest.py), saves it, hears it in the module's audio, and sees it go
stale when the author changes the text."""

from __future__ import annotations

import shutil
import time
import urllib.request

import pytest

from tests.bench.server import running_server
from tests.browser.test_accessibility import COURSE, axe_violations
from tests.conftest import REAL_CONTENT, make_app
from tests.databases import sqlite_url
from tests.learners import PASSWORD, add_user

VOICE = "voice@example.com"
SLUG = "principles"


@pytest.fixture(scope="module")
def studio(tmp_path_factory, built_course):
    """A server over a copy of the course (the test edits it), with a voice account."""
    folder = tmp_path_factory.mktemp("recorder")
    content = folder / "content"
    shutil.copytree(REAL_CONTENT, content)
    url = sqlite_url(folder)
    add_user(make_app(folder, content, DATABASE_URL=url), VOICE, "voice")
    env = {
        "OMNICOURSE_DATABASE_URL": url,
        "OMNICOURSE_CONTENT_DIR": str(content),
        "OMNICOURSE_TTS_ENGINES": "recording,espeak",
    }
    with running_server(workers=2, env=env, prebuilt=built_course.build) as port:
        yield f"http://127.0.0.1:{port}", content


def text_of(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read().decode()


def wait_for(condition, what: str, timeout: float = 120) -> None:
    """Poll until `condition()` holds: the background build and the content watcher
    finish in their own time, so the test waits for what they do, not for a duration."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"still waiting for {what}"
        time.sleep(0.5)


def signed_in_page(browser, base: str):
    context = browser.new_context()
    context.grant_permissions(["microphone"], origin=base)
    page = context.new_page()
    page.goto(f"{base}/auth/login")
    page.fill("#email", VOICE)
    page.fill("#password", PASSWORD)
    page.locator("main form [type=submit]").first.click()
    page.wait_for_url(lambda url: "/auth/login" not in url)
    return context, page


@pytest.mark.parametrize("locale", COURSE.locales)
def test_recording_pages_have_no_accessibility_violations(studio, browser, locale):
    base, _ = studio
    context, page = signed_in_page(browser, base)
    for path in ("/translate/recordings/", f"/translate/recordings/{locale}/{SLUG}"):
        page.goto(f"{base}{path}?lang={locale}")
        assert page.locator("html").get_attribute("lang") == locale
        for details in page.locator("details").all():
            details.evaluate("element => element.open = true")
        assert axe_violations(page) == [], path
    context.close()


def test_a_voice_records_saves_and_sees_the_recording_go_stale(studio, browser):
    base, content = studio
    context, page = signed_in_page(browser, base)
    page.get_by_role("link", name="Recordings").first.click()
    page.get_by_role("link", name="Principles of omnichannel").first.click()

    card = page.locator(".recording").first
    section_id = card.get_attribute("id").removeprefix("record-")
    assert "Not recorded yet" in card.inner_text()
    recorder = card.locator("[data-recorder]")
    assert recorder.is_visible()  # the script found MediaRecorder and showed the recorder

    card.get_by_role("button", name="Record", exact=True).click()
    # Recording: the level meter moves with the beep, the clock runs.
    page.wait_for_function(
        "box => Number(box.dataset.peak) > 0.02 && box.querySelector('[data-elapsed]')"
        ".textContent >= '0:02'",
        arg=recorder.element_handle(),
    )
    card.get_by_role("button", name="Stop").click()
    preview = card.locator("[data-preview]")
    preview.wait_for(state="visible")
    seconds = page.wait_for_function(
        "audio => new Promise(done => { if (audio.readyState >= 1) return done(true);"
        " audio.addEventListener('loadedmetadata', () => done(true)); })",
        arg=preview.element_handle(),
    )
    assert seconds
    assert preview.evaluate("audio => audio.src.startsWith('blob:')")

    card.get_by_role("button", name="Save recording").click()
    page.wait_for_selector(".message--success")
    assert "Saved:" in page.locator(".messages").inner_text()
    card = page.locator(f"#record-{section_id}")
    assert "Recorded" in card.locator(".recording__state").inner_text()
    stored = card.locator("audio.recording__player")
    assert (
        stored.evaluate(
            "audio => new Promise(done => { audio.addEventListener('loadedmetadata', "
            "() => done(audio.duration)); audio.load(); })"
        )
        > 1.5
    )

    # The background build puts it into the module's audio.
    module_page = f"{base}/en/modules/{SLUG}/"
    wait_for(lambda: "some parts in a synthetic voice" in text_of(module_page), "the rebuild")

    # The author changes the section's text: the recording is stale, the synthetic voice
    # reads the section again, and the recording page says so.
    source = next((content / "en").glob(f"*-{SLUG}.md"))
    text = source.read_text(encoding="utf-8")
    heading = text.index(f"{{#{section_id}}}")
    paragraph = text.index("\n\n", heading) + 2
    source.write_text(
        text[:paragraph] + "A sentence added after the recording. " + text[paragraph:],
        encoding="utf-8",
    )
    wait_for(
        lambda: "some parts in a synthetic voice" not in text_of(module_page),
        "the synthetic voice to read the changed section",
    )
    page.reload()
    state = page.locator(f"#record-{section_id} .recording__state").inner_text()
    assert "Stale: the text has changed since it was recorded" in state
    context.close()
