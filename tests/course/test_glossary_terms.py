"""The glossary (terms linked at first use), the termbase lint and reading times."""

from __future__ import annotations

from course import load_course
from course.glossary import load_glossary, used_terms

GLOSSARY = """\
omnichannel:
  term: omnichannel
  definition: All channels joined up around the customer.
channel:
  term: channel
  forms: [channels]
  definition: A way a customer and a company meet.
"""


def test_the_first_use_of_each_term_in_a_module_links_to_its_entry(tmp_path, content):
    content.module()
    (content.root / "en" / "glossary.yaml").write_text(GLOSSARY)
    course = load_course(content.root)
    module = course.resolve("en", "basics").module
    glossary = course.glossary("en")
    texts = glossary.linker().link(
        [
            "<h3>Omnichannel</h3><p>Omnichannel joins up every channel.</p>",
            "<p>Channels again; omnichannel again. <a href='/x'>channel</a></p>",
        ],
        lambda term_id: f"/en/glossary/#term-{term_id}",
    )
    assert texts == [
        '<h3>Omnichannel</h3><p><a class="term" href="/en/glossary/#term-omnichannel">'
        'Omnichannel</a> joins up every <a class="term" href="/en/glossary/#term-channel">'
        "channel</a>.</p>",
        "<p>Channels again; omnichannel again. <a href='/x'>channel</a></p>",
    ]
    assert [t.id for t in used_terms(glossary, texts)] == ["channel", "omnichannel"]
    assert course.errors == [] and module.sections


def test_a_diagram_s_labels_are_never_linked(tmp_path, content):
    """A link inside an SVG would nest a control inside the figure's image."""
    (content.root / "en").mkdir(exist_ok=True)
    (content.root / "en" / "glossary.yaml").write_text(GLOSSARY)
    glossary = load_glossary(content.root / "en", "en")
    svg = '<svg role="img"><text><tspan>Omnichannel</tspan></text></svg><p>Omnichannel</p>'
    [text] = glossary.linker().link([svg], lambda term_id: f"#term-{term_id}")
    assert text == svg.replace(
        "<p>Omnichannel</p>", '<p><a class="term" href="#term-omnichannel">Omnichannel</a></p>'
    )


def test_chinese_terms_are_found_inside_unspaced_text(tmp_path, content):
    (content.root / "zh").mkdir()
    (content.root / "zh" / "glossary.yaml").write_text(
        "omnichannel:\n  term: 全渠道\n  definition: 把所有渠道连成一体。\n"
        "channel:\n  term: 渠道\n  definition: 客户与企业接触的方式。\n"
    )
    glossary = load_glossary(content.root / "zh", "zh")
    [text] = glossary.linker().link(["<p>全渠道把每个渠道连起来。</p>"], lambda i: f"#term-{i}")
    assert text == (
        '<p><a class="term" href="#term-omnichannel">全渠道</a>把每个'
        '<a class="term" href="#term-channel">渠道</a>连起来。</p>'
    )


def test_a_translation_lacking_an_entry_shows_the_source_one_and_unknown_ids_are_named(
    tmp_path, content
):
    content.module()
    (content.root / "en" / "glossary.yaml").write_text(GLOSSARY)
    (content.root / "pl").mkdir()
    (content.root / "pl" / "glossary.yaml").write_text(
        "channel:\n  term: kanał\n  definition: Sposób kontaktu.\n"
        "kanal-extra:\n  term: coś\n  definition: Nie ma go w źródle.\n"
    )
    course = load_course(content.root)
    polish = course.glossary("pl")
    assert polish.terms["channel"].term == "kanał" and polish.terms["channel"].locale == "pl"
    assert polish.terms["omnichannel"].locale == "en"  # shown in English, marked as such
    assert [str(e) for e in course.errors] == [
        f"{content.root}/pl/glossary.yaml:4: glossary entry 'kanal-extra' is not in the "
        "en glossary: use the source's ids"
    ]


def test_a_broken_glossary_is_reported_with_its_line_and_the_course_still_loads(tmp_path, content):
    content.module()
    (content.root / "en" / "glossary.yaml").write_text("channel:\n  term: channel\n")
    course = load_course(content.root)
    assert [str(e) for e in course.errors] == [
        f"{content.root}/en/glossary.yaml:1: glossary entry 'channel': "
        "needs 'term:' and 'definition:'"
    ]
    assert course.resolve("en", "basics") is not None and course.glossary("en").terms == {}


TERMS = """\
- preferred: punkt styku
  rejected: [touchpoint, touchpoints]
  note: the English word only as a marked foreign term
- preferred: "，"
  patterns: ['(?<=[\\u4e00-\\u9fff]),']
"""


def test_the_termbase_reports_each_rejected_variant_with_its_file_and_line(tmp_path, content):
    content.module()
    path = content.module(locale="pl", extra="source_hashes: {}\n")
    text = path.read_text().replace("outcomes:\n", "outcomes:\n  touchpoint: Opisać punkt styku.\n")
    text = text.replace(
        "Omnichannel joins up **every** channel.",
        "Touchpoint łączy kanały, *touchpoint*{lang=en} też. Zob. https://x.pl/touchpoint\n"
        "中文,不对 {#touchpoint-id}",
    )
    path.write_text(text)
    (content.root / "pl" / "terms.yaml").write_text(TERMS)
    course = load_course(content.root)
    lines = text.splitlines()
    line = next(n for n, s in enumerate(lines, 1) if s.startswith("Touchpoint łączy"))
    assert sorted(str(e) for e in course.errors) == [
        f"{path}:{line}: 'Touchpoint' is not this course's term: write 'punkt styku' "
        "(the English word only as a marked foreign term)",
        f"{path}:{line + 1}: ',' is not this course's term: write '，'",
    ]
    # The ids (in `{…}`, a YAML key), the URL and the span marked as English are not reported.
    path.write_text(text.replace("Touchpoint łączy", "Punkt styku łączy").replace(",不", "，不"))
    assert load_course(content.root).errors == []


def test_a_broken_termbase_is_named(tmp_path, content):
    content.module()
    (content.root / "en" / "terms.yaml").write_text("- preferred: x\n  patterns: ['(']\n")
    [error] = load_course(content.root).errors
    assert error.line == 1 and "pattern '(' is not a valid regular expression" in error.message


def test_reading_time_comes_from_the_words_and_a_far_declared_time_is_reported(tmp_path, content):
    words = " ".join(["word"] * 900)  # 900 words at 180 a minute: 5 minutes, plus the rest
    path = content.module(extra="duration_minutes: 30\n")
    path.write_text(path.read_text().replace("Omnichannel joins up **every** channel.", words))
    course = load_course(content.root)
    module = course.resolve("en", "basics").module
    assert module.duration_minutes == 6
    [error] = course.errors
    assert error.line == 15 and error.message.startswith(
        "duration_minutes is 30, but the text takes about 6 minutes to read ("
    )
    path.write_text(path.read_text().replace("duration_minutes: 30", "duration_minutes: 6"))
    assert load_course(content.root).errors == []


def test_chinese_reading_time_counts_characters(tmp_path, content):
    content.module()
    path = content.module(locale="zh", extra="source_hashes: {}\n")
    path.write_text(
        path.read_text().replace("Omnichannel joins up **every** channel.", "字" * 1000)
    )
    assert load_course(content.root).resolve("zh", "basics").module.duration_minutes == 6
