"""The audio player in Chromium: playing, speed, sections, remembered position, the listened event.

A small course is served by `omnicourse serve` with its audio built offline by
eSpeak NG. For the Yoruba page, no test machine has a Yoruba voice, so one
test replaces the browser's Web Speech API with a fake device voice (and says
so); the other checks what a learner without such a voice gets.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.bench.server import running_server, wait_until_built
from tests.browser.test_accessibility import axe_violations
from tests.conftest import ContentFactory

LISTENED = """(() => {
  window.listened = [];
  document.addEventListener("omnicourse:audio-listened",
    (event) => window.listened.push(event.detail));
})();"""

FAKE_YORUBA_VOICE = """(() => {
  const voice = {lang: "yo-NG", name: "Fake Yoruba", default: true, localService: true};
  window.spoken = [];
  const synth = {
    paused: false, speaking: false, onvoiceschanged: null,
    getVoices: () => [voice],
    speak: (utterance) => {
      window.spoken.push({text: utterance.text, lang: utterance.lang});
      setTimeout(() => utterance.onend && utterance.onend(), 5);
    },
    cancel: () => {}, pause: () => {}, resume: () => {},
    addEventListener: () => {},
  };
  Object.defineProperty(window, "speechSynthesis", {value: synth});
  window.SpeechSynthesisUtterance = function (text) { this.text = text; };
})();"""


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("audio-browser")
    content = ContentFactory(root / "content")
    content.module()
    content.module(locale="yo", title="Ìpìlẹ̀", extra="source_hash: abc\n")
    env = {"OMNICOURSE_CONTENT_DIR": str(content.root), "OMNICOURSE_TTS_ENGINES": "espeak"}
    with running_server(workers=1, env=env) as port:
        wait_until_built(port)  # the audio this file plays is made beside the server
        yield f"http://127.0.0.1:{port}"


def audio_state(page) -> dict:
    return page.evaluate(
        "() => { const a = document.querySelector('#audio audio');"
        " return {paused: a.paused, time: a.currentTime, rate: a.playbackRate,"
        " duration: a.duration, src: a.currentSrc}; }"
    )


def test_player_controls_are_labelled_and_work(page, server):
    page.goto(f"{server}/en/modules/basics/")
    player = page.locator("#audio")
    assert player.get_by_role("button", name="Forward 15 seconds").is_visible()
    page.get_by_label("Speed").select_option("1.5")
    assert audio_state(page)["rate"] == 1.5
    page.get_by_role("button", name="Forward 15 seconds").click()
    page.wait_for_function("() => document.querySelector('#audio audio').currentTime >= 1")
    assert axe_violations(page) == []


def test_section_button_plays_that_part_and_listening_is_reported(page, server):
    page.add_init_script(LISTENED)
    page.goto(f"{server}/en/modules/basics/")
    page.locator("details#why-it-matters summary").click()
    button = page.get_by_role("button", name="Play this part: Why it matters")
    start = float(page.locator("[data-audio-part='why-it-matters']").get_attribute("data-start"))
    button.click()
    page.wait_for_function("() => !document.querySelector('#audio audio').paused")
    assert audio_state(page)["time"] >= start - 0.5
    assert "Why it matters" in page.locator("#audio [data-audio-status]").inner_text()
    # Hearing the rest of the module (its last part) reports that section as listened.
    page.wait_for_function("() => window.listened.length > 0", timeout=30_000)
    assert {"module": "basics", "section": "why-it-matters"} in page.evaluate("window.listened")


def test_whole_module_listened_is_reported_once(page, server):
    page.add_init_script(LISTENED)
    page.goto(f"{server}/en/modules/basics/")
    page.get_by_label("Speed").select_option("2")
    page.locator("#audio audio").evaluate("a => a.play()")
    page.wait_for_function(
        "() => window.listened.some(d => d.section === null)", timeout=60_000, polling=200
    )
    listened = page.evaluate("window.listened")
    assert listened.count({"module": "basics", "section": None}) == 1
    assert {"module": "basics", "section": "what-it-means"} in listened


def test_position_is_remembered_between_visits(page, server):
    page.goto(f"{server}/en/modules/basics/")
    page.locator("#audio audio").evaluate("a => { a.currentTime = 4; a.play(); }")
    page.wait_for_function("() => document.querySelector('#audio audio').currentTime > 4.5")
    page.locator("#audio audio").evaluate("a => a.pause()")
    saved = audio_state(page)["time"]
    page.reload()
    page.wait_for_function("() => document.querySelector('#audio audio').readyState >= 1")
    page.wait_for_function("() => document.querySelector('#audio audio').currentTime > 4")
    assert audio_state(page)["time"] == pytest.approx(saved, abs=1)
    assert "Continuing" in page.locator("#audio [data-audio-status]").inner_text()


def test_plain_audio_element_works_without_javascript(browser, server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{server}/en/modules/basics/")
    src = page.locator("#audio audio").get_attribute("src")
    assert page.locator("#audio audio").get_attribute("controls") is not None
    response = page.request.get(server + src)
    assert response.status == 200 and response.headers["content-type"] == "audio/mpeg"
    context.close()


def test_yoruba_without_a_device_voice_shows_the_notice(page, server):
    page.add_init_script("delete window.speechSynthesis;")
    page.goto(f"{server}/yo/modules/basics/")
    assert page.locator("#audio audio").count() == 0
    assert not page.locator("[data-speech]").is_visible()
    notice = page.locator("[data-audio-notice]")
    assert notice.is_visible()
    assert (
        notice.locator("a[hreflang='en']")
        .get_attribute("href")
        .startswith("/en/modules/basics/audio.mp3?v=")
    )
    assert axe_violations(page) == []


def test_yoruba_with_a_device_voice_reads_the_text_aloud(page, server):
    page.add_init_script(FAKE_YORUBA_VOICE)
    page.add_init_script(LISTENED)
    page.goto(f"{server}/yo/modules/basics/")
    speech = page.locator("[data-speech]")
    assert speech.is_visible()
    speech.get_by_role("button", name=speech.locator("[data-speech-play]").inner_text()).click()
    page.wait_for_function("() => window.listened.some(d => d.section === null)")
    spoken = page.evaluate("window.spoken")
    assert spoken[0] == {"text": "What it means.", "lang": "yo-NG"}
    assert any("Omnichannel joins up every channel." in s["text"] for s in spoken)
    assert page.evaluate("window.listened") == [
        {"module": "basics", "section": "what-it-means"},
        {"module": "basics", "section": "why-it-matters"},
        {"module": "basics", "section": None},
    ]
    assert axe_violations(page) == []


def highlighted(page) -> str:
    """The letters of the text the read-along highlights now, lower case ("" when none)."""
    return page.evaluate(
        "() => { const h = CSS.highlights.get('read-along');"
        " const text = h ? [...h].map(String).join(' ') : '';"
        " return text.toLowerCase().replace(/[^\\p{L}\\p{N}]/gu, ''); }"
    )


def test_read_along_highlights_the_spoken_sentence_and_a_click_plays_from_a_sentence(page, server):
    page.goto(f"{server}/en/modules/basics/")
    page.wait_for_function(
        "() => { const a = document.querySelector('#audio audio'), t = a.textTracks[0];"
        " return a.readyState >= 1 && t && t.cues && t.cues.length > 0; }"
    )
    section = page.locator("details[data-section='what-it-means']")
    text_before = section.inner_html()
    cues = page.evaluate(
        "() => [...document.querySelector('#audio audio').textTracks[0].cues]"
        ".map(c => ({id: c.id, start: c.startTime, text: c.text}))"
    )
    sentence = next(c for c in cues if c["text"].startswith("Omnichannel joins up every channel"))
    assert sentence["id"].startswith("what-it-means-")
    # Very slow playback, so the sentence stays current while the test looks at it.
    page.evaluate(
        "(start) => { const a = document.querySelector('#audio audio');"
        " a.playbackRate = 0.0625; a.currentTime = start + 0.05; a.play(); }",
        sentence["start"],
    )
    page.wait_for_function("() => CSS.highlights.get('read-along').size === 1")
    assert highlighted(page) == "omnichanneljoinsupeverychannel"
    assert section.inner_html() == text_before  # the page's text is never rewritten

    page.locator("h1").click()  # the title: the first sentence of the audio
    page.wait_for_function("() => document.querySelector('#audio audio').currentTime < 0.5")
    page.wait_for_function("() => CSS.highlights.get('read-along').size === 1")
    assert highlighted(page) == "basics"
