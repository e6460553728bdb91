"""Author–year citations: written out and linked, and checked against the bibliography."""

from __future__ import annotations

import pytest

from course import load_course
from course.errors import ContentError
from course.loader import load_module
from course.references import cite, parse_bibliography
from tests.conftest import MODULE_TEMPLATE

ENTRIES = """\
  - id: sopadjieva2017
    author: Sopadjieva et al.
    year: 2017
    text: "Sopadjieva, E., Dholakia, U. M. & Benjamin, B. (2017). *A Study of 46,000 Shoppers*."
    url: https://hbr.org/2017/01/a-study-of-46000-shoppers
  - id: rigby2011
    author: Rigby
    year: 2011
    text: "Rigby, D. (2011). The Future of Shopping. *Harvard Business Review*, 89(12)."
"""


def cited_module(content, body_text: str, entries: str = ENTRIES, locale: str = "en"):
    text = MODULE_TEMPLATE.format(slug="basics", title="Basics", order=1, extra="")
    text = text.replace(
        '  - "Harvard Business Review (2017). *A Study of 46,000 Shoppers*."\n', entries
    ).replace("Omnichannel joins up **every** channel.", body_text)
    return content.module(locale=locale, text=text)


def test_a_citation_is_written_out_and_linked_to_its_entry(tmp_path, content):
    path = cited_module(
        content, "In one retailer, 73% used several channels [@sopadjieva2017]. "
        "Rigby [-@rigby2011] calls it the future [@rigby2011; @sopadjieva2017].",
    )  # fmt: skip
    module = load_module(path, "en")
    html = module.sections[0].html
    assert '(<a class="cite" href="#ref-sopadjieva2017">Sopadjieva et al., 2017</a>)' in html
    assert 'Rigby (<a class="cite" href="#ref-rigby2011">2011</a>)' in html
    assert (
        '(<a class="cite" href="#ref-rigby2011">Rigby, 2011</a>; '
        '<a class="cite" href="#ref-sopadjieva2017">Sopadjieva et al., 2017</a>)'
    ) in html
    assert "[@" not in html
    # A voice does not read the citation marks out.
    assert "Sopadjieva" not in module.sections[0].speech_text
    assert "73% used several channels." in module.sections[0].speech_text
    entry = module.references[0]
    assert entry.id == "sopadjieva2017" and "https://hbr.org/2017/01/" in entry.html
    assert module.problems == ()


def test_chinese_citations_use_full_width_marks():
    references = parse_bibliography(
        [{"id": "lemon2016", "author": "Lemon 和 Verhoef", "year": 2016, "text": "…"}], None, 1
    )
    assert (
        cite("见 [@lemon2016]。", references, "zh", link=False) == "见 （Lemon 和 Verhoef，2016）。"
    )


def test_a_citation_without_entry_and_an_entry_never_cited_are_reported_at_their_lines(
    tmp_path, content
):
    path = cited_module(content, "Something [@sopadjieva2017] and [@kotler2016].")
    module = load_module(path, "en")
    lines = path.read_text().splitlines()
    messages = {(p.line, p.message) for p in module.problems}
    missing_line = next(n for n, line in enumerate(lines, 1) if "[@kotler2016]" in line)
    entry_line = next(n for n, line in enumerate(lines, 1) if "id: rigby2011" in line)
    assert messages == {
        (missing_line, "citation [@kotler2016] has no entry in the bibliography"),
        (entry_line, "bibliography entry 'rigby2011' is never cited: "
                     "cite it in the text as [@rigby2011] or remove it"),
    }  # fmt: skip
    # The module is still served, with the unknown citation left as written.
    assert "[@kotler2016]" in module.sections[0].html
    course = load_course(content.root)
    assert course.resolve("en", "basics") is not None
    assert {e.message for e in course.errors} == {m for _, m in messages}


def test_a_plain_text_entry_is_further_reading_and_needs_no_citation(tmp_path, content):
    module = load_module(content.module(), "en")
    assert module.problems == () and module.references[0].id == ""


def test_a_malformed_entry_is_named(tmp_path, content):
    path = cited_module(
        content, "Text [@rigby2011].", entries="  - id: rigby2011\n    year: 2011\n"
    )
    with pytest.raises(ContentError, match="bibliography entry 'rigby2011' has no author") as error:
        load_module(path, "en")
    bibliography = path.read_text().splitlines().index("bibliography:") + 1
    assert error.value.path == path and error.value.line == bibliography
