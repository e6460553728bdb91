"""The static copy of the course (`omnicourse export site`) on a plain static web server.

The shipped course, with the run's audio and PDFs, is exported and served by
Python's `http.server` (no app behind it). Chromium then reads it as a learner:
self-tests graded in the browser exactly as the server grades them, progress kept
in the browser, and, once a page has been opened, the whole course offline,
audio byte ranges included.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from babel.support import Translations

from app.config import PROJECT_ROOT
from course import grade, load_course
from course.quiz import DrawnQuestion, read_answers
from tests.bench.server import free_port
from tests.browser.test_accessibility import axe_violations
from tests.conftest import REAL_CONTENT

COURSE = load_course(REAL_CONTENT)
FIRST = COURSE.source_modules()[0].slug
LINK = re.compile(r'(?:href|src)="([^"#]*)')


@pytest.fixture(scope="module")
def exported(tmp_path_factory, built_course) -> Path:
    root = tmp_path_factory.mktemp("static-site")
    shutil.copytree(built_course.build, root / "instance" / "build", copy_function=os.link)
    env = {**os.environ, "OMNICOURSE_INSTANCE_PATH": str(root / "instance"),
           "OMNICOURSE_TTS_ENGINES": "recording,espeak"}  # fmt: skip
    command = [str(Path(sys.executable).with_name("omnicourse")), "export", "site",
               "--out", str(root / "site"), "--no-build",
               "--base-url", "https://example.org/c/"]  # fmt: skip
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "not exported" not in done.stderr, done.stderr  # every page, audio file and PDF
    return root / "site"


@pytest.fixture(scope="module")
def host(exported) -> Iterator[str]:
    """A static web server and nothing else: what a CDN or a shared host offers."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "http.server", str(port), "--bind", "127.0.0.1",
         "--directory", str(exported)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        assert "Serving HTTP" in process.stdout.readline()  # written once it listens
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)
        process.stdout.close()


def test_every_link_of_every_page_leads_to_a_file(exported):
    pages = list(exported.rglob("*.html"))
    assert len(pages) > 100
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert 'method="post"' not in html and "csrf_token" not in html, page
        for link in LINK.findall(html):
            parts = urlsplit(link)
            if parts.scheme or not parts.path:
                continue
            assert (page.parent / parts.path).resolve().is_file(), f"{page}: {link}"
    for locale in COURSE.locales:
        for module in COURSE.source_modules():
            folder = exported / locale / "modules" / module.slug
            assert (folder / "index.html").is_file() and (folder / "quiz" / "index.html").is_file()
            if locale != "yo":  # no engine speaks Yoruba: its pages say so, and link no file
                audio = (folder / "audio.mp3").read_bytes()
                assert audio[:3] == b"ID3" or (audio[0] == 0xFF and audio[1] & 0xE0 == 0xE0)
            assert (exported / locale / "modules" / f"{module.slug}.pdf").read_bytes()[
                :5
            ] == b"%PDF-"
    sitemap = (exported / "sitemap.xml").read_text()
    assert f"<loc>https://example.org/c/en/modules/{FIRST}/</loc>" in sitemap


def interface(locale: str, text: str) -> str:
    return Translations.load(str(PROJECT_ROOT / "translations"), [locale]).gettext(text)


@pytest.mark.parametrize("locale", ["pl", "zh", "yo"])
def test_each_locales_pages_speak_its_language(exported, locale):
    module = (exported / locale / "modules" / FIRST / "index.html").read_text()
    quiz = (exported / locale / "modules" / FIRST / "quiz" / "3" / "index.html").read_text()
    for page, text in ((module, "Learning outcomes"), (quiz, "Check my answers")):
        assert interface(locale, text) != text and interface(locale, text) in page
    assert f'lang="{locale}"' in quiz


def test_each_draw_holds_the_banks_answer_key(exported):
    module = COURSE.resolve("pl", FIRST).module
    for number in range(1, 13):
        html = (
            exported / "pl" / "modules" / FIRST / "quiz" / str(number) / "index.html"
        ).read_text()
        key = json.loads(re.search(r'id="quiz-key">(.*?)</script>', html, re.S)[1])
        assert len(key["questions"]) == COURSE.draw_size
        for item in key["questions"]:
            question = module.quiz.question(item["id"])
            assert set(item["correct"]) == set(question.correct_keys)
            assert sorted(item["order"]) == sorted(question.keys)


def answer_at_random(page, rng: random.Random) -> None:
    """Tick, order and match at random, as a learner who never read the module would."""
    for fieldset in page.locator("fieldset.question").all():
        inputs = fieldset.locator("input").all()
        if inputs:
            kind = fieldset.get_attribute("class")
            chosen = (
                rng.sample(inputs, rng.randint(1, len(inputs)))
                if "multiple" in kind
                else [rng.choice(inputs)]
            )
            for element in chosen:
                element.check()
            continue
        for select in fieldset.locator("select").all():
            values = [
                v for v in select.locator("option").evaluate_all("os => os.map(o => o.value)") if v
            ]
            select.select_option(rng.choice(values))


def server_grade(page, key: dict) -> float:
    """The score the server gives the answers on the page (course.quiz)."""
    form = page.evaluate("""() => {
      const values = {};
      for (const [name, value] of new FormData(document.querySelector("form.quiz"))) {
        (values[name] = values[name] || []).push(value);
      }
      return values;
    }""")
    module = COURSE.resolve(page.evaluate("document.documentElement.lang"), key["module"]).module
    drawn = [DrawnQuestion(item["id"], tuple(item["order"])) for item in key["questions"]]
    answers = read_answers(module.quiz, drawn, form)
    return grade(module.quiz, answers, COURSE.pass_threshold, drawn).score


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_self_tests_are_graded_in_the_browser_as_the_server_grades_them(page, host, locale):
    rng = random.Random(locale)
    for number in (1, 4, 7, 10):
        page.goto(f"{host}/{locale}/modules/{FIRST}/quiz/{number}/index.html")
        key = json.loads(page.locator("#quiz-key").text_content())
        answer_at_random(page, rng)
        expected = server_grade(page, key)
        page.get_by_role("button").last.click()
        result = page.locator("#result-title")
        result.wait_for()
        assert float(page.locator("form.quiz").get_attribute("data-score")) == expected
        assert page.locator(".feedback").count() == len(key["questions"])  # every explanation
        verdicts = "fieldset.question--correct, fieldset.question--partly, fieldset.question--wrong"
        assert page.locator(verdicts).count() == len(key["questions"])
        assert page.evaluate("document.activeElement.id") == "quiz-status"


def test_an_unanswered_self_test_names_what_is_missing(page, host):
    page.goto(f"{host}/en/modules/{FIRST}/quiz/2/index.html")
    page.get_by_role("button", name="Check my answers").click()
    summary = page.get_by_role("alert")
    assert "Answer every question first" in summary.text_content()
    assert summary.get_by_role("link").count() == COURSE.draw_size
    assert page.locator("#result-title").count() == 0


def test_progress_and_scores_stay_in_the_browser(page, host):
    page.goto(f"{host}/en/modules/{FIRST}/index.html")
    page.locator("details[data-section]").first.evaluate("details => details.open = true")
    page.locator("details[data-section] button[data-mark-read]").first.click()
    page.locator("[data-marked-read]").first.wait_for()
    page.goto(f"{host}/en/modules/{FIRST}/quiz/index.html")
    answer_at_random(page, random.Random(3))
    page.get_by_role("button", name="Check my answers").click()
    page.locator("#result-title").wait_for()
    new_test = page.get_by_role("link", name="Take a new self-test")
    assert new_test.get_attribute("href").endswith("2/index.html")  # the next draw
    page.goto(f"{host}/en/index.html")
    card = page.locator(f'.module-card[data-module="{FIRST}"] .progress-summary')
    total = len(COURSE.resolve("en", FIRST).module.sections)
    assert f"1 of {total} sections read" in card.text_content()
    assert "Best score" in card.text_content()
    page.goto(f"{host}/pl/index.html")  # progress follows the learner into another language
    polish = page.locator(f'.module-card[data-module="{FIRST}"] .progress-summary').text_content()
    assert re.search(rf"\b1\D+{total}\b", polish), polish


def test_the_course_works_offline_once_opened(browser, host):
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{host}/en/index.html")
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        page.reload()  # now controlled by the worker, which has kept every page
        assert page.evaluate("!!navigator.serviceWorker.controller")
        audio = f"{host}/en/modules/{FIRST}/audio.mp3"
        page.evaluate("url => fetch(url).then(r => r.arrayBuffer())", audio)  # played once
        context.set_offline(True)
        page.goto(f"{host}/yo/modules/{FIRST}/index.html")
        assert (
            page.locator("h1").count() == 1
            and page.evaluate("document.documentElement.lang") == "yo"
        )
        page.goto(f"{host}/zh/modules/{FIRST}/quiz/5/index.html")
        assert page.locator("fieldset.question").count() == COURSE.draw_size
        ranged = page.evaluate(
            """url => fetch(url, {headers: {Range: "bytes=100-199"}}).then(r => r.arrayBuffer()
                .then(b => [r.status, b.byteLength, r.headers.get("Content-Range")]))""",
            audio,
        )
        assert ranged[0] == 206 and ranged[1] == 100 and ranged[2].startswith("bytes 100-199/")
    finally:
        context.close()


@pytest.mark.parametrize("address", ["/en/index.html", f"/yo/modules/{FIRST}/index.html",
                                     f"/pl/modules/{FIRST}/quiz/3/index.html"])  # fmt: skip
def test_static_pages_have_no_accessibility_violations(page, host, address):
    page.goto(host + address)
    if "/quiz/" in address:
        answer_at_random(page, random.Random(1))
        page.locator("button[type=submit]").click()
        page.locator("#result-title").wait_for()
    assert axe_violations(page) == []
