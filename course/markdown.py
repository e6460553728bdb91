"""Markdown → sanitised HTML, heading attributes, and speech text."""

from __future__ import annotations

import re
import threading
from html.parser import HTMLParser

import markdown
import nh3

EXTENSIONS = [
    "admonition",
    "tables",
    "attr_list",
    "sane_lists",
    "pymdownx.details",
]
EXTENSION_CONFIGS = {"tables": {"use_align_attribute": True}}

# Only what lesson text needs; everything else (script, style, iframe, event
# handlers, javascript: URLs) is dropped by nh3.
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details",
    "div", "dl", "dt", "em", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li",
    "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub", "summary",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": {"class", "id", "lang", "title"},
    "a": {"href", "hreflang"},
    "img": {"src", "alt", "width", "height"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "ol": {"start"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

HEADING_ATTRS = re.compile(r"^(?P<text>.*?)\s*\{(?P<attrs>[^{}]*)\}\s*$")
URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
TABLE_TAG = re.compile(r"<table(?=[\s>])")
WHITESPACE = re.compile(r"[ \t\r\f\v]+")
SPACE_BEFORE_PUNCTUATION = re.compile(r"[ \t]+(?=[,.;:!?])")
# A word, or one Chinese/Japanese character (each is read about as long as a word).
CJK = "\u3400-\u9fff\uf900-\ufaff"
WORD = re.compile(rf"[{CJK}]|(?:[^\W_{CJK}]|[\u0300-\u036f])+")


def sanitise(html: str) -> str:
    """Keep only allow-listed tags, attributes and URL schemes."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
    )


_converters = threading.local()  # building a converter costs more than most conversions


def render(text: str) -> str:
    """Render a block of Markdown to sanitised HTML."""
    md = getattr(_converters, "markdown", None)
    if md is None:
        md = _converters.markdown = markdown.Markdown(
            extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS
        )
    try:
        # A table scrolls sideways on a narrow screen: keyboard users must reach it too.
        return TABLE_TAG.sub('<table tabindex="0"', sanitise(md.convert(text)))
    finally:
        md.reset()


def render_inline(text: str) -> str:
    """Render one line of Markdown without the wrapping paragraph."""
    html = render(text).strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return html


def split_heading(text: str) -> tuple[str, dict[str, str], set[str]]:
    """Split `Title {#id .class key=value}` into title, key/values and classes."""
    match = HEADING_ATTRS.match(text)
    if not match:
        return text.strip(), {}, set()
    values: dict[str, str] = {}
    classes: set[str] = set()
    for token in match["attrs"].split():
        if token.startswith("#"):
            values["id"] = token[1:]
        elif token.startswith("."):
            classes.add(token[1:])
        elif "=" in token:
            key, _, value = token.partition("=")
            values[key] = value.strip("\"'")
    return match["text"].strip(), values, classes


def slugify(text: str) -> str:
    """Turn heading text into an id (used only when the author gave none)."""
    slug = re.sub(r"[^\w\s-]", "", text.lower(), flags=re.UNICODE)
    return re.sub(r"[\s_]+", "-", slug).strip("-") or "section"


class _TextExtractor(HTMLParser):
    BLOCKS = frozenset(
        {"p", "li", "div", "details", "summary", "tr", "blockquote", "h3", "h4", "br",
         "figcaption", "desc"}
    )  # fmt: skip
    # Code is not read; of a diagram only its caption and its text alternative (<desc>).
    SKIPPED = frozenset({"pre", "code", "svg"})

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.SKIPPED:
            self.skip_depth += 1
        elif tag == "desc":
            self.skip_depth -= 1
        if tag in self.BLOCKS:
            self.parts.append("\n")
        elif tag in {"td", "th"}:
            self.parts.append(", ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIPPED:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag == "desc":
            self.skip_depth += 1
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip_depth:
            # A line break inside a paragraph is a soft wrap of the source, not a pause.
            self.parts.append(data.replace("\n", " "))


def speech_text(html: str) -> str:
    """Plain text for a voice to read: no markup, code or URLs."""
    extractor = _TextExtractor()
    extractor.feed(html)
    text = URL.sub("", "".join(extractor.parts))
    lines = (
        SPACE_BEFORE_PUNCTUATION.sub("", WHITESPACE.sub(" ", line)).strip(" ,")
        for line in text.splitlines()
    )
    paragraphs = [line for line in lines if line]
    return "\n".join(_end_sentence(p) for p in paragraphs)


def count_words(text: str) -> int:
    """Words in plain text, counting each CJK character as one."""
    return len(WORD.findall(text))


def plain_text(html: str) -> str:
    """The text of a piece of HTML on one line, as a reader sees it."""
    extractor = _TextExtractor()
    extractor.feed(html)
    return WHITESPACE.sub(" ", "".join(extractor.parts).replace("\n", " ")).strip()


def _end_sentence(line: str) -> str:
    """Give a heading or list item a full stop so a voice pauses after it."""
    return line if line[-1] in ".!?…:;。！？" else line + "."
