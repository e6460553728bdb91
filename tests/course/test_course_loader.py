"""The content loader: modules, sections, self-tests, sanitising and every content error."""

from __future__ import annotations

import subprocess
import sys

import pytest

from course import ContentError, load_course
from course.audio import section_speech
from course.loader import git_blob_hash, load_module


def test_module_is_loaded_with_sections_and_quiz(content):
    path = content.module()
    module = load_module(path, "en")
    assert module.slug == "basics"
    assert module.eqf == "3-5"
    assert module.section_ids == ("what-it-means", "why-it-matters")
    assert [q.id for q in module.quiz.questions] == ["q-define", "q-channels", "q-tf"]
    assert [q.kind for q in module.quiz.questions] == ["single", "multiple", "true-false"]
    assert module.quiz.questions[0].correct_keys == {"b"}
    assert module.quiz.questions[1].correct_keys == {"a", "b"}
    assert "<table tabindex=\"0\">" in module.sections[1].html  # reachable by keyboard when it scrolls
    assert module.content_hash == git_blob_hash(path.read_bytes())


def test_section_ids_do_not_depend_on_heading_language(content):
    content.module()
    translated = content.module(locale="pl").read_text(encoding="utf-8")
    translated = translated.replace("What it means", "Co to znaczy").replace(
        "Why it matters", "Dlaczego to ważne"
    )
    (content.root / "pl" / "01-basics.md").write_text(translated, encoding="utf-8")
    course = load_course(content.root)
    assert not course.errors
    assert course.modules["pl"]["basics"].section_ids == course.modules["en"]["basics"].section_ids
    assert course.modules["pl"]["basics"].sections[0].title == "Co to znaczy"


def test_section_without_id_gets_one_from_its_heading(content):
    path = content.module()
    path.write_text(path.read_text().replace(" {#why-it-matters}", ""), encoding="utf-8")
    assert load_module(path, "en").section_ids == ("what-it-means", "why-it-matters")


@pytest.mark.parametrize(
    "payload, forbidden",
    [
        ("<script>alert(1)</script>", "<script"),
        ('<img src="x" onerror="alert(1)">', "onerror"),
        ("[click me](javascript:alert(1))", "javascript:"),
        ('<a href="javascript:alert(1)">x</a>', "javascript:"),
        ('<svg onload="alert(1)"><circle/></svg>', "onload"),
        ('<iframe src="https://evil.example"></iframe>', "<iframe"),
        ('<p style="background:url(javascript:alert(1))">x</p>', "style="),
    ],
)
def test_unsafe_markup_never_reaches_the_html(content, payload, forbidden):
    path = content.module()
    text = path.read_text().replace("Omnichannel joins up", f"{payload}\n\nOmnichannel joins up")
    path.write_text(text, encoding="utf-8")
    module = load_module(path, "en")
    assert forbidden not in module.sections[0].html.lower()
    assert "Omnichannel joins up" in module.sections[0].html


def test_speech_text_has_no_markup_or_urls(content):
    module = load_module(content.module(), "en")
    speech = module.sections[0].speech_text
    assert "Omnichannel joins up every channel." in speech
    assert "<" not in speech and "**" not in speech
    assert "example.com" not in speech and "http" not in speech
    spoken = [section_speech(section) for section in module.sections]
    assert spoken[0].startswith("What it means.\n")  # its title is read before its text
    assert not any("Which statement" in text for text in spoken)  # the self-test is not read


def errors_for(content, text):
    path = content.module(text=text)
    course = load_course(content.root)
    return path, course.errors


def replace_in_template(content, old, new):
    path = content.module()
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path, load_course(content.root).errors


def line_of(path, needle):
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_broken_yaml_is_reported_with_file_and_line(content):
    path, errors = replace_in_template(
        content, "keywords: [omnichannel, testing]", "keywords: [oops"
    )
    assert len(errors) == 1
    assert errors[0].path == path
    assert "broken YAML" in errors[0].message
    assert errors[0].line >= line_of(path, "keywords: [oops")


def test_missing_required_field_is_reported(content):
    path, errors = replace_in_template(content, 'eqf: "3-5"\n', "")
    assert [e.message for e in errors] == ["missing required field 'eqf'"]
    assert str(errors[0]).startswith(f"{path}:1:")


def test_wrongly_typed_field_is_reported_on_its_line(content):
    path, errors = replace_in_template(content, "order: 1", "order: first")
    assert errors[0].line == line_of(path, "order: first")
    assert "order" in errors[0].message


def test_duplicate_slug_is_reported(content):
    content.module(slug="basics", order=1)
    second = content.module(slug="basics", order=2, filename="02-copy.md")
    course = load_course(content.root)
    assert [e.path for e in course.errors] == [second]
    assert "duplicate slug 'basics'" in course.errors[0].message
    assert len(course.modules["en"]) == 1


def test_duplicate_section_id_is_reported(content):
    path, errors = replace_in_template(content, "{#why-it-matters}", "{#what-it-means}")
    assert errors[0].line == line_of(path, "## Why it matters")
    assert "duplicate section id 'what-it-means'" in errors[0].message


def test_question_without_correct_answer_is_reported(content):
    path, errors = replace_in_template(
        content, "- [x] Channels are joined up", "- [ ] Channels are joined up"
    )
    assert errors[0].line == line_of(path, "{#q-define")
    assert "no correct answer" in errors[0].message


def test_unknown_outcome_tag_is_reported(content):
    path, errors = replace_in_template(content, "outcome=define}", "outcome=imagine}")
    assert errors[0].line == line_of(path, "{#q-define")
    assert "unknown outcome 'imagine'" in errors[0].message


def test_question_without_explanation_is_reported(content):
    _, errors = replace_in_template(
        content, "> Omnichannel joins channels up around the customer.\n", ""
    )
    assert "no explanation" in errors[0].message


def test_true_false_with_two_correct_answers_is_reported(content):
    _, errors = replace_in_template(content, "- [ ] True", "- [x] True")
    assert "true-false question 'q-tf' has 2 correct answers" in errors[0].message


def test_translation_of_a_module_that_does_not_exist_is_reported(content):
    content.module()
    orphan = content.module(slug="ghost", locale="pl", order=2)
    course = load_course(content.root)
    assert [e.path for e in course.errors] == [orphan]
    assert "does not exist" in course.errors[0].message


def test_a_translated_section_the_source_lacks_is_reported_at_its_line(content):
    content.module()
    path = content.module(locale="pl")
    path.write_text(path.read_text().replace("{#why-it-matters}", "{#dlaczego}"), encoding="utf-8")
    course = load_course(content.root)
    lines = path.read_text().splitlines()
    heading = next(n for n, line in enumerate(lines, 1) if "dlaczego" in line)
    assert [(e.path, e.line) for e in course.errors] == [(path, heading)]
    module = course.resolve("pl", "basics").module
    assert module.locale == "pl"  # still served in Polish, the source fills the gap
    borrowed = module.section("why-it-matters")
    assert (borrowed.locale, borrowed.state) == ("en", "missing")
    assert module.section("dlaczego") is None


def test_a_broken_module_does_not_hide_the_others(content):
    content.module(slug="good", order=1)
    content.module(slug="bad", order=2, text="---\nslug: bad\n---\n")
    course = load_course(content.root)
    assert [m.slug for m in course.source_modules()] == ["good"]
    assert len(course.errors) == 1


def test_importing_course_loads_no_flask():
    code = (
        "import sys, course, course.build, course.audio, course.pdf; print('flask' in sys.modules)"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert output.stdout.strip() == "False"


def test_content_error_formats_as_file_line_message(tmp_path):
    error = ContentError(tmp_path / "x.md", 7, "something is wrong")
    assert str(error) == f"{tmp_path / 'x.md'}:7: something is wrong"


def test_course_version_changes_when_a_module_or_recording_changes(content):
    path = content.module()
    first = load_course(content.root).version
    assert load_course(content.root).version == first
    path.write_text(path.read_text().replace("Omnichannel joins up", "Omnichannel links"))
    second = load_course(content.root).version
    assert second != first
    (content.root / "en" / "audio").mkdir()
    (content.root / "en" / "audio" / "basics.mp3").write_bytes(b"ID3")
    assert load_course(content.root).version != second


def test_a_recorded_hash_of_digits_only_reads_back_as_a_hash(tmp_path, content):
    """YAML reads 978179740387 as a number: the writer quotes such a hash."""
    from course.authoring import record_source_hashes
    from course.loader import load_module

    path = content.module(locale="pl")
    hashes = {"_meta": "978179740387", "what-it-means": "0123456789ab", "self-test": "1e0000000000"}
    record_source_hashes(path, hashes, None)
    assert load_module(path, "pl").source_hashes == hashes
