"""Diagrams: ```diagram blocks in a module's Markdown drawn as accessible, translated SVG."""

from __future__ import annotations

import re
import textwrap
from html import unescape

import pytest

from course import load_course
from course.diagrams import render_diagram, text_width, wrap
from course.loader import load_module
from course.markdown import speech_text
from tests.conftest import MODULE_TEMPLATE, REAL_CONTENT

JOURNEY = """\
```diagram
kind: journey
title: One journey, many channels
alt: Three stages, each with its channels, joined to one shared customer profile.
stages:
  - stage: Awareness
    channels: [Social media, Mobile web]
  - stage: Purchase
    channels: [Store]
  - stage: Support
    channels: [Chat, Call centre]
shared: One shared customer profile
```
"""
TEXT = re.compile(r"<tspan[^>]*>([^<]*)</tspan>")
TEXT_ELEMENT = re.compile(r"<text[^>]*>(.*?)</text>")


def module_with(content, block: str, locale: str = "en"):
    """A module whose second section holds `block` between two paragraphs."""
    text = MODULE_TEMPLATE.format(slug="basics", title="Basics", order=1, extra="").replace(
        "## Why it matters {#why-it-matters}\n",
        "## Why it matters {#why-it-matters}\n\nBefore the figure.\n\n"
        + textwrap.dedent(block)
        + "\nAfter the figure.\n",
    )
    return content.module(locale=locale, text=text)


def block_yaml(block: str) -> str:
    """The YAML inside a ```diagram fence."""
    return block.split("\n", 1)[1].rsplit("```", 1)[0]


def labels(html: str) -> list[str]:
    """Each line of text the diagrams show."""
    return [unescape(text) for text in TEXT.findall(html)]


def wrapped_labels(html: str) -> list[list[str]]:
    """Each label the diagrams show, as its lines."""
    return [labels(element) for element in TEXT_ELEMENT.findall(html)]


def shown(label: str, html: str) -> bool:
    """Whether `label` is one of the diagrams' labels, on one line or several."""
    squeezed = re.sub(r"\s+", "", label)
    return any(re.sub(r"\s+", "", "".join(lines)) == squeezed for lines in wrapped_labels(html))


def test_a_diagram_block_becomes_an_accessible_figure_between_the_paragraphs(content):
    module = load_module(module_with(content, JOURNEY), "en")
    html = module.section("why-it-matters").html
    assert not module.problems
    assert html.index("Before the figure.") < html.index("<figure") < html.index("After the")
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="diagram__svg" role="img"' in html
    title_id = re.search(r'aria-labelledby="([^"]+)"', html)[1]
    desc_id = re.search(r'aria-describedby="([^"]+)"', html)[1]
    assert f'<title id="{title_id}">One journey, many channels</title>' in html
    assert f'<desc id="{desc_id}">Three stages, each with its channels' in html
    assert "<figcaption" in html and "viewBox=" in html
    shown = " ".join(labels(html))
    for label in ("Awareness", "Social media", "Call centre", "One shared customer profile"):
        assert label in shown
    # A hard-coded colour for the PDF, a class for the site's (dark) theme, page text inherits.
    assert 'class="diagram__box"' in html and 'fill="#e8eefb"' in html


def test_a_diagram_is_read_aloud_as_its_title_and_text_alternative_not_its_labels(content):
    html = load_module(module_with(content, JOURNEY), "en").section("why-it-matters").html
    speech = speech_text(html)
    assert "One journey, many channels." in speech
    assert "joined to one shared customer profile." in speech
    assert "Social media" not in speech


def test_label_text_is_escaped_so_content_cannot_inject_markup(content):
    block = JOURNEY.replace("[Store]", '["<script>x()</script>&"]').replace(
        "title: One journey, many channels", 'title: "</title><img src=x onerror=y()>"'
    )
    html = load_module(module_with(content, block), "en").section("why-it-matters").html
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;x()&lt;/script&gt;&amp;</tspan>" in html
    assert "<script>x()</script>&" in labels(html)
    assert "&lt;/title&gt;&lt;img src=x onerror=y()&gt;</figcaption>" in html


@pytest.mark.parametrize(
    ("broken", "line", "message"),
    [
        (JOURNEY.replace("kind: journey", "kind: [journey"), 1, "broken YAML in diagram"),
        (JOURNEY.replace("kind: journey", "kind: pie"), 1, "unknown diagram kind 'pie'"),
        (JOURNEY.replace("shared: One shared customer profile", ""), 1, "needs 'shared'"),
        (JOURNEY.replace("alt: Three", "colour: red\nalt: Three"), 3, "unknown field 'colour'"),
        (JOURNEY.replace("[Store]", "[]"), 8, "'stages[2].channels' has 0 items"),
        (JOURNEY.replace("[Store]", "[Store, Web, App, Call]"), 8, "fits 1 to 3"),
        (JOURNEY.replace("    channels: [Store]\n", ""), 7, "'stages[2].channels' must be a list"),
        (JOURNEY.replace("Chat", "A very long label " * 8), 10, "does not fit its box"),
        (JOURNEY.rsplit("```", 1)[0], 0, "not closed"),
    ],
    ids=["yaml", "kind", "missing", "unknown", "empty", "too-many", "no-list", "too-long", "open"],
)  # fmt: skip
def test_a_broken_diagram_is_reported_at_its_line_and_the_module_still_shows(
    content, broken, line, message
):
    """`line` counts from the line after ```diagram (0 is the fence itself)."""
    path = module_with(content, broken)
    fence = path.read_text(encoding="utf-8").splitlines().index("```diagram") + 1
    course = load_course(content.root)
    assert [(e.path, e.line) for e in course.errors] == [(path, fence + line)]
    assert message in course.errors[0].message
    module = course.modules["en"]["basics"]
    section = module.section("why-it-matters")
    assert "<figure" not in section.html and "Before the figure." in section.html
    assert "Omnichannel joins up" in module.section("what-it-means").html


def test_long_labels_wrap_into_lines_that_fit_the_box():
    long = "A store with a click-and-collect counter"
    html = render_diagram(block_yaml(JOURNEY.replace("Chat", long)), "d")
    assert long not in labels(html) and shown(long, html)
    lines = next(lines for lines in wrapped_labels(html) if lines[0].startswith("A store"))
    assert len(lines) >= 3 and "click-" in lines[0] + lines[1]  # broken after a hyphen
    wrapped = wrap(long, 80, 13)
    assert len(wrapped) >= 3 and all(text_width(line, 13) <= 80 for line in wrapped)


def test_chinese_counts_double_width_and_yoruba_tone_marks_count_nothing():
    assert text_width("客户档案", 10) > 1.5 * text_width("abcd", 10)
    assert text_width("ẹ̀ka ọ́jà", 10) == text_width("eka oja", 10)
    lines = wrap("同一个共享的客户档案，所有渠道都能使用。", 60, 12)
    assert len(lines) > 1 and not any(line.startswith(("，", "。")) for line in lines)


def test_right_to_left_mirrors_the_layout_but_keeps_the_text():
    block = block_yaml(JOURNEY)
    ltr, rtl = render_diagram(block, "d"), render_diagram(block, "d", rtl=True)
    first_box = re.compile(r'<rect class="diagram__accent" x="([\d.]+)"')
    assert float(first_box.search(ltr)[1]) < 50 < float(first_box.search(rtl)[1])
    assert 'direction="rtl"' in rtl and labels(ltr) == labels(rtl)


EXPECTED = {  # one label of each module's diagram, in each language
    "en": ["One shared customer profile", "Own data", "Pick-up point", "Challenges"],
    "pl": ["Jeden wspólny profil klienta", "Własne dane", "Punkt odbioru", "Wyzwania"],
    "zh": ["同一个共享的客户档案", "各自的数据", "取货点", "挑战"],
    "yo": ["Àkọsílẹ̀ oníbàárà kan ṣoṣo tí gbogbo ìkànnì ń lò", "Dátà tirẹ̀", "Ibi ìgbàjà",
           "Ìpèníjà"],
}  # fmt: skip


@pytest.mark.parametrize("locale", EXPECTED)
def test_every_module_of_the_course_has_a_diagram_in_its_own_language(locale):
    course = load_course(REAL_CONTENT)
    assert not course.errors
    for module, label in zip(course.source_modules(), EXPECTED[locale], strict=True):
        translated = course.resolve(locale, module.slug).module
        html = "".join(section.html for section in translated.sections)
        assert html.count("<figure") >= 1
        assert shown(label, html), f"{locale}/{module.slug}: no diagram label {label!r}"
