"""What authors and translators see when content changes: reports, last good versions,
per-section translation states, and the commands that record a reviewed translation."""

from __future__ import annotations

import json
import re
import time

from app.cli import check
from app.cli.i18n import i18n
from app.rebuild import pending_modules
from course import load_course
from course.model import MISSING, OUTDATED, TRANSLATED
from course.store import ContentStore
from tests.app.test_i18n import MISSING_PART_NOTE, gettext, translate_module
from tests.audio_helpers import build_audio, manifest
from tests.conftest import make_app
from tests.learners import add_user, login

UNCLOSED = 'eqf: "3-5'
QUIZ_NOTE = (
    "This self-test is not yet translated into your language. It is shown in its original language."
)


def break_front_matter(path) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('eqf: "3-5"', UNCLOSED), encoding="utf-8")


def test_an_unclosed_quote_is_reported_at_its_line_once(tmp_path, content):
    path = content.module()
    break_front_matter(path)
    line = path.read_text().splitlines().index(UNCLOSED) + 1
    assert line == 5
    result = make_app(tmp_path, content.root).test_cli_runner().invoke(check)
    assert result.exit_code == 1
    expected = f"{path}:5: broken YAML in front matter: this quoted value does not end on its line"
    assert result.output.count(expected) == 1
    assert result.output.count(str(path)) == 1  # each problem printed once, nothing else


def test_check_speaks_json_for_editors_and_ci(tmp_path, content):
    content.module()
    broken = content.module(slug="second", order=2)
    broken.write_text(broken.read_text().replace("- [x] Channels are joined", "- Channels are"))
    app = make_app(tmp_path, content.root)
    result = app.test_cli_runner().invoke(check, ["--format", "json"])
    assert result.exit_code == 1
    report = json.loads(result.output)
    [problem] = report["problems"]
    lines = broken.read_text().splitlines()
    question = next(n for n, t in enumerate(lines, 1) if "q-define" in t)
    assert problem["file"] == str(broken) and problem["line"] >= question
    assert report["modules"] == 1


def test_a_module_that_breaks_keeps_its_last_good_version_for_learners(tmp_path, content):
    path = content.module()
    translate_module(content, locale="pl", title="Podstawy")
    app = make_app(tmp_path, content.root)
    break_front_matter(path)
    course = app.extensions["content"].refresh()
    assert [(e.path, e.line) for e in course.errors] == [(path, 5)]
    module = course.resolve("en", "basics").module
    assert module.stale and module.title == "Basics"
    client = app.test_client()
    assert client.get("/en/modules/basics/").status_code == 200
    assert "Podstawy" in client.get("/pl/modules/basics/").text  # the translation too
    health = client.get("/healthz").get_json()
    assert health["status"] == "degraded"
    assert health["problems"][0].startswith("content/en/01-basics.md:5: broken YAML")

    # A new process on the same instance (a restart) still has the last good version.
    again = make_app(tmp_path, content.root).extensions["content"].course
    assert again.resolve("en", "basics").module.stale
    # A file that never parsed has nothing to fall back on, and hides nothing else.
    content.module(slug="new", order=2, text="---\nslug: new\n---\n")
    fresh = make_app(tmp_path / "other", content.root).extensions["content"].course
    assert [m.slug for m in fresh.source_modules()] == []  # no last good copy of either here
    assert len(fresh.errors) == 2


def test_staff_see_the_problems_and_learners_do_not(tmp_path, content):
    path = content.module()
    app = make_app(tmp_path, content.root)
    break_front_matter(path)
    app.extensions["content"].refresh()
    learner, staff = app.test_client(), app.test_client()
    add_user(app, "author@example.com", role="instructor")
    login(staff, "author@example.com")
    page = staff.get("/en/modules/basics/").text
    assert "1 content problem to fix" in page
    assert (
        '<code dir="ltr">content/en/01-basics.md:5</code>: <span>broken YAML in front matter'
        in page
    )
    assert "Staff only: this is the last good version of en/01-basics.md" in page
    public = learner.get("/en/modules/basics/").text
    assert "content problem" not in public and "Staff only" not in public
    assert "Basics" in public


def test_sections_are_translated_outdated_or_missing_one_by_one(content):
    source = content.module()
    translate_module(content, locale="pl", title="Podstawy")
    text = source.read_text()
    text = text.replace("joins up **every** channel", "joins up all channels")
    text = text.replace(
        "## Why it matters", "## Brand new {#brand-new}\n\nNew text.\n\n## Why it matters"
    )
    source.write_text(text, encoding="utf-8")
    course = load_course(content.root)
    polish = course.resolve("pl", "basics").module
    assert polish.locale == "pl" and not course.errors
    assert polish.part_states == {
        "_meta": TRANSLATED, "what-it-means": OUTDATED, "brand-new": MISSING,
        "why-it-matters": TRANSLATED, "self-test": TRANSLATED,
    }  # fmt: skip
    assert polish.section_ids == course.resolve("en", "basics").module.section_ids
    assert course.status("pl", "basics") == OUTDATED


def test_a_question_new_in_the_source_serves_the_source_self_test(tmp_path, content):
    source = content.module()
    translate_module(content, locale="pl", title="Podstawy")
    extra = (
        "\n### Is email a channel? {#q-email outcome=compare type=true-false}\n\n"
        "- [x] True\n- [ ] False\n\n> Email is one more way to meet the customer.\n"
    )
    source.write_text(source.read_text() + extra, encoding="utf-8")
    client = make_app(tmp_path, content.root).test_client()
    page = client.get("/pl/modules/basics/quiz").text
    assert 'class="quiz" lang="en"' in page and "Is email a channel?" in page
    assert gettext("pl", QUIZ_NOTE) in page and '<html lang="pl"' in page
    assert gettext("pl", MISSING_PART_NOTE) not in page


def test_mark_current_records_a_review_section_by_section(tmp_path, content):
    source = content.module()
    translation = translate_module(content, locale="pl", title="Podstawy")
    app = make_app(tmp_path, content.root)  # the instance keeps the parts as translated
    source.write_text(
        source.read_text()
        .replace("joins up **every** channel", "joins up all channels")
        .replace("| store | yes |", "| store | yes |\n| app | yes |"),
        encoding="utf-8",
    )
    app.extensions["content"].refresh()
    runner = app.test_cli_runner()
    status = runner.invoke(i18n, ["status"]).output
    assert re.search(r"^  what-it-means\s+outdated", status, re.M)
    assert re.search(r"^  why-it-matters\s+outdated", status, re.M)
    assert (
        "en/01-basics.md # why-it-matters (Why it matters) changed; outdated in pl/01-basics.md"
        in status
    )
    assert "+| app | yes |" in status

    done = runner.invoke(i18n, ["mark-current", "pl", "basics", "why-it-matters"])
    assert done.exit_code == 0, done.output
    states = load_course(content.root).modules["pl"]["basics"].part_states
    assert states["why-it-matters"] == TRANSLATED and states["what-it-means"] == OUTDATED

    done = runner.invoke(i18n, ["mark-current", "pl", "01-basics.md"])
    assert done.exit_code == 0, done.output
    course = load_course(content.root)
    assert course.status("pl", "basics") == TRANSLATED
    assert course.modules["pl"]["basics"].source_hash == course.modules["en"]["basics"].content_hash
    assert "title: Podstawy" in translation.read_text()  # the rest of the file is untouched

    wrong = runner.invoke(i18n, ["mark-current", "pl", "basics", "nowhere"])
    assert wrong.exit_code == 1 and "'nowhere' is not a part of 01-basics.md" in wrong.output


def test_the_source_text_of_an_outdated_section_is_kept_in_the_instance(tmp_path, content):
    """Without git history, the instance's store still has the text translated from."""
    source = content.module()
    translate_module(content, locale="pl")
    app = make_app(tmp_path, content.root)  # loads the source once: its parts are stored
    source.write_text(source.read_text().replace("**every** channel", "all channels"))
    course = app.extensions["content"].refresh()
    assert isinstance(course.store, ContentStore)
    runner = app.test_cli_runner()
    status = runner.invoke(i18n, ["status"]).output
    assert "-Omnichannel joins up **every** channel." in status
    assert "+Omnichannel joins up all channels." in status


def test_a_missing_section_is_read_by_the_voice_of_its_language(tmp_path, content):
    source = content.module()
    translate_module(content, locale="pl", title="Podstawy")
    text = source.read_text().replace(
        "## Why it matters", "## Brand new {#brand-new}\n\nNew text.\n\n## Why it matters"
    )
    source.write_text(text, encoding="utf-8")
    report = build_audio(content.root, tmp_path)
    assert not report.failed
    built = manifest(tmp_path)
    assert (
        built.get("pl", "basics", "brand-new").voice == built.get("en", "basics", "brand-new").voice
    )
    assert (
        built.get("pl", "basics", "what-it-means").voice
        != built.get("en", "basics", "what-it-means").voice
    )


def test_a_changed_module_gets_its_audio_rebuilt_in_the_background(tmp_path, content):
    source = content.module()
    app = make_app(tmp_path, content.root, BUILD_ON_CHANGE=True, TTS_ENGINES="espeak")
    assert not build_audio(content.root, tmp_path / "instance").failed
    before = manifest(tmp_path / "instance").get("en", "basics", "what-it-means").key
    source.write_text(source.read_text().replace("**every** channel", "all channels"))
    app.extensions["content"].refresh()

    assert pending_modules(tmp_path / "instance") == {"en/basics"}
    page = app.test_client().get("/en/modules/basics/").text
    assert "its new audio version and PDF are being prepared" in page
    deadline = time.monotonic() + 300  # a bound on a slow machine, not a speed test
    while pending_modules(tmp_path / "instance") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not pending_modules(tmp_path / "instance")
    after = manifest(tmp_path / "instance").get("en", "basics", "what-it-means").key
    assert after != before  # the changed section was spoken again
    assert "being prepared" not in app.test_client().get("/en/modules/basics/").text
