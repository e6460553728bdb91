"""Module PDFs of the real course, built once per session with WeasyPrint and read with pypdf."""

from __future__ import annotations

import html
import re
import unicodedata
from pathlib import Path

import pypdf
import pytest
from babel.support import Translations

from app.config import PROJECT_ROOT
from course import load_course
from tests.conftest import REAL_CONTENT

COURSE = load_course(REAL_CONTENT)

pytestmark = pytest.mark.slow  # real builds or servers: seconds, not milliseconds
CONFIG = {"TRANSLATIONS_DIR": str(PROJECT_ROOT / "translations")}
MODULES = [(locale, m.slug) for locale in COURSE.locales for m in COURSE.source_modules()]
TAG = re.compile(r"<[^>]+>")
ANSWER_KEY_NOTE = (
    "For instructors: this copy shows the correct answers to the self-test, with explanations."
)


def squeeze(text: str) -> str:
    """NFC without whitespace, so line breaks in the PDF do not matter (CJK has no spaces)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFC", text))


def pdf_text(path: Path) -> str:
    return squeeze("".join(page.extract_text() for page in pypdf.PdfReader(path).pages))


def text_runs(fragment: str) -> list[str]:
    """The text between the tags of an HTML fragment (a link's URL is printed after it)."""
    return [html.unescape(run) for run in TAG.split(fragment) if run.strip()]


def translated(locale: str, message: str) -> str:
    """`message` as the PDF shows it in `locale` (English when the catalogue lacks it)."""
    return Translations.load(CONFIG["TRANSLATIONS_DIR"], [locale]).gettext(message)


def embedded_fonts(path: Path) -> dict[str, set[str]]:
    """Each embedded font's name and the characters its ToUnicode map gives real glyphs."""
    fonts: dict[str, set[str]] = {}
    for page in pypdf.PdfReader(path).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            assert {"/FontFile2", "/FontFile3"} & set(descriptor), (
                f"{font['/BaseFont']} not embedded"
            )
            name = str(font["/BaseFont"]).partition("+")[2]
            cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1")
            fonts.setdefault(name, set()).update(_mapped_characters(cmap))
    return fonts


def _mapped_characters(cmap: str) -> set[str]:
    characters: set[str] = set()
    for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
        for glyph, code in re.findall(r"<(\w+)>\s*<(\w+)>", block):
            if int(glyph, 16) != 0:  # glyph 0 is .notdef, the empty box
                characters.update(bytes.fromhex(code).decode("utf-16-be"))
    for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S):
        for start, end, code in re.findall(r"<(\w+)>\s*<(\w+)>\s*<(\w+)>", block):
            first = ord(bytes.fromhex(code).decode("utf-16-be"))
            characters.update(chr(first + i) for i in range(int(end, 16) - int(start, 16) + 1))
    return characters


@pytest.fixture(scope="session")
def built(built_course) -> tuple[Path, list[str]]:
    """Every PDF of the real course (each module, locale and answer key), built once a run."""
    assert not built_course.report.failed
    pdfs = [label for label in built_course.report.built if label.endswith(".pdf")]
    assert len(pdfs) == 2 * len(MODULES)
    return built_course.build / "pdf", built_course.missing_glyphs


def pdf_of(built, locale: str, slug: str, answers: bool = False) -> Path:
    """The PDF the session built (found on disk: a catalogue edited since changes its key)."""
    copies = [
        p for p in (built[0] / locale).glob(f"{slug}.*.pdf") if (".answers." in p.name) == answers
    ]
    assert len(copies) == 1, copies
    return copies[0]


@pytest.mark.parametrize(("locale", "slug"), MODULES)
def test_pdf_has_the_title_every_section_and_the_bibliography(built, locale, slug):
    module = COURSE.resolve(locale, slug).module
    text = pdf_text(pdf_of(built, locale, slug))
    assert squeeze(module.title) in text
    for section in module.sections:
        assert squeeze(section.title) in text, section.id
    for entry in (reference.html for reference in module.references):
        for run_ in text_runs(entry):
            assert squeeze(run_) in text, entry
    for keyword in module.keywords:
        assert squeeze(keyword) in text


@pytest.mark.parametrize(("locale", "slug"), MODULES)
def test_learner_pdf_has_questions_but_no_answer_key(built, locale, slug):
    module = COURSE.resolve(locale, slug).module
    learner = pdf_text(pdf_of(built, locale, slug))
    key = pdf_text(pdf_of(built, locale, slug, answers=True))
    for question in module.quiz.questions:
        prompt = squeeze(html.unescape(TAG.sub("", question.prompt_html)))
        explanation = squeeze(html.unescape(TAG.sub("", question.explanation_html)))
        assert prompt in learner and prompt in key
        assert explanation not in learner
        assert explanation in key
    note = translated(locale, ANSWER_KEY_NOTE)
    assert squeeze(note) not in learner
    assert squeeze(note) in key


def test_paper_shows_ordering_and_matching_questions_without_their_answers(built):
    module = COURSE.modules["en"]["principles"]
    learner = pdf_text(pdf_of(built, "en", "principles"))
    key = pdf_text(pdf_of(built, "en", "principles", answers=True))

    def order_in(text: str, question, parts: list[str]) -> list[str]:
        """The parts in the order the question prints them (searched after its prompt)."""
        start = text.index(squeeze(html.unescape(TAG.sub("", question.prompt_html))))
        return sorted(parts, key=lambda part: text.index(part, start))

    for question in module.quiz.questions:
        if question.kind == "ordering":
            parts = [squeeze(option.text) for option in question.options]
        elif question.kind == "matching":
            parts = [squeeze(html.unescape(TAG.sub("", o.match_html))) for o in question.options]
        else:
            continue
        assert order_in(learner, question, parts) != parts  # shuffled on the learner's copy
        assert order_in(key, question, parts) == parts  # in their right order in the key


def test_every_character_of_the_course_has_a_glyph(built):
    assert built[1] == []


def test_chinese_pdf_has_its_title_as_text_in_the_shipped_chinese_font(built):
    module = COURSE.modules["zh"]["principles"]
    path = pdf_of(built, "zh", "principles")
    assert squeeze(module.title) in pdf_text(path)
    fonts = embedded_fonts(path)
    chinese = set().union(*(chars for name, chars in fonts.items() if "Noto-Sans-SC" in name))
    assert set(module.title) <= chinese


def test_yoruba_text_keeps_its_tone_marks_and_underdots(built):
    module = COURSE.modules["yo"]["principles"]
    text = pdf_text(pdf_of(built, "yo", "principles"))
    assert squeeze(module.title) in text  # Àwọn ìpìlẹ̀ omnichannel
    for outcome in module.outcomes.values():
        assert squeeze(outcome) in text
    fonts = embedded_fonts(pdf_of(built, "yo", "principles"))
    assert "ọ" in fonts["Noto-Sans"] and "\u0300" in fonts["Noto-Sans"]


@pytest.mark.parametrize("locale", COURSE.locales)
def test_pdf_metadata_carries_title_and_language(built, locale):
    module = COURSE.resolve(locale, "principles").module
    reader = pypdf.PdfReader(pdf_of(built, locale, "principles"))
    assert reader.metadata.title == f"{module.title} · {COURSE.title(locale)}"
    assert reader.trailer["/Root"]["/Lang"] == locale
    assert reader.metadata["/Keywords"].startswith(module.keywords[0])


def test_pdf_has_bookmarks_contents_links_page_numbers_and_running_header(built):
    module = COURSE.modules["en"]["principles"]
    reader = pypdf.PdfReader(pdf_of(built, "en", "principles"))
    (cover, children), *_ = _outline(reader.outline)
    assert cover == module.title
    titles = [title for title, _ in children]
    sections = [s.title for s in module.sections]
    assert titles[2 : 2 + len(sections)] == sections
    assert titles[2 + len(sections) :] == [
        "Key points",
        module.quiz.title,
        "Keywords",
        "Glossary",
        "Bibliography",
    ]

    contents = reader.pages[1]
    links = [a.get_object() for a in contents.get("/Annots", [])]
    internal = [a for a in links if a["/Subtype"] == "/Link" and "/URI" not in a.get("/A", {})]
    assert len(internal) >= len(module.sections) + 4

    pages = len(reader.pages)
    third = reader.pages[2].extract_text()
    assert module.title in third and f"3 / {pages}" in third
    assert f"/ {pages}" not in reader.pages[0].extract_text()  # the cover has no page number


def _outline(items) -> list[tuple[str, list]]:
    result: list[tuple[str, list]] = []
    for item in items:
        if isinstance(item, list):
            result[-1] = (result[-1][0], _outline(item))
        else:
            result.append((item.title, []))
    return result


def test_answer_key_marks_each_correct_option_and_the_learner_copy_none(built):
    module = COURSE.modules["en"]["principles"]
    choice = [q for q in module.quiz.questions if not q.graded_per_item]
    correct = sum(len(q.correct_keys) for q in choice)
    assert pdf_text(pdf_of(built, "en", "principles")).count("correctanswer") == 0
    key = pdf_text(pdf_of(built, "en", "principles", answers=True))
    assert key.count("correctanswer") == correct + squeeze(ANSWER_KEY_NOTE).count("correctanswer")
