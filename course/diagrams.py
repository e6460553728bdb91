"""Diagrams written in a module's Markdown as a fenced ```` ```diagram ```` block of YAML.

The block names a `kind` (see KINDS), a `title`, an `alt` text and the labels;
`render_body` turns a section's lines into HTML in which each block becomes a
`<figure>` with an accessible inline SVG. Its labels are `<text>`, wrapped to
fit their boxes, so each language shows its own words on the page and in the
PDF. A block with a problem becomes a ContentError (file and line) and is left
out; the rest of the section is shown.

Colours: each shape carries a light-theme colour as a presentation attribute
(what WeasyPrint and a page without the stylesheet use) and a class that
`static/css/site.css` ("Diagrams") colours with custom properties, dark theme included.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

import yaml

from course.errors import ContentError
from course.markdown import render

FENCE_OPEN = re.compile(r"^```diagram\s*$")
FENCE_CLOSE = re.compile(r"^```\s*$")

WIDTH = 400  # of the viewBox; the figure scales it to the width of the page
GAP = 10
PAD = 6  # inside a box, around its text
LABEL_SIZE, HEADING_SIZE = 13, 15
LINE_HEIGHT = 1.25  # of the font size
MAX_LINES = 4  # a label that needs more does not fit its box
# The print stylesheet's fonts: a PDF's SVG does not inherit the page's font (on the web
# page site.css sets `font-family: inherit`).
FONTS = '"Noto Sans", "Noto Sans SC", sans-serif'

# Class → light-theme (fill, stroke): WCAG AA for the ink on each fill.
STYLES = {
    "box": ("#e8eefb", "#1f5fbf"),
    "accent": ("#17488f", "#17488f"),
    "data": ("#fff6dd", "#8a6100"),
    "good": ("#e6f4ea", "#1c6b3a"),
    "bad": ("#fbeaea", "#a1261b"),
    "lane": ("#f3f5f9", "#d5dae3"),
}
INK, ON_ACCENT, LINE = "#1d2330", "#ffffff", "#4a5263"

# Closing punctuation stays on the line of the character before it.
CLOSING = set("，。、：；！？）」』》〉…,.;:!?)")


# --- Sections with diagrams -------------------------------------------------------------


def render_body(
    lines: list[str], first_line: int, path: Path, id_prefix: str, rtl: bool = False
) -> tuple[str, list[ContentError]]:
    """A section's HTML with its diagram blocks drawn, and the problems of blocks left out.

    `first_line` is the file's line number of `lines[0]`; `id_prefix` makes the figures'
    ids unique on the page.
    """
    html: list[str] = []
    problems: list[ContentError] = []
    text: list[str] = []
    index = count = 0
    while index < len(lines):
        if not FENCE_OPEN.match(lines[index]):
            text.append(lines[index])
            index += 1
            continue
        html.append(render("\n".join(text)))
        text = []
        end = next((i for i in range(index + 1, len(lines)) if FENCE_CLOSE.match(lines[i])), None)
        if end is None:
            problems.append(ContentError(
                path, first_line + index, "this diagram block is not closed by a ``` line"
            ))  # fmt: skip
            break
        count += 1
        try:
            figure = render_diagram(
                "\n".join(lines[index + 1 : end]), f"{id_prefix}-diagram-{count}", rtl
            )
            html.append(figure)
        except DiagramError as error:
            problems.append(ContentError(
                path, first_line + index + 1 + error.line, error.template, **error.params
            ))  # fmt: skip
        index = end + 1
    html.append(render("\n".join(text)))
    return "".join(html), problems


def render_diagram(source: str, figure_id: str, rtl: bool = False) -> str:
    """The `<figure>` of one diagram block's YAML; DiagramError when the block has a problem."""
    block = read_block(source)
    title, alt = block.label("title"), block.label("alt")
    canvas = Canvas(rtl)
    try:
        KINDS[block.data["kind"]].draw(block, canvas)
    except LabelTooLong as error:
        raise DiagramError(
            block.line_of_text(error.text),
            "the label \u201c%(label)s\u201d does not fit its box in %(lines)d lines: shorten it",
            label=error.text,
            lines=MAX_LINES,
        ) from None
    kind, title_id, desc_id = block.data["kind"], f"{figure_id}-title", f"{figure_id}-desc"
    direction = ' direction="rtl"' if rtl else ""
    return (
        f'<figure class="diagram diagram--{kind}" id="{escape(figure_id)}">'
        f'<figcaption class="diagram__caption">{escape(title)}</figcaption>'
        f'<svg xmlns="http://www.w3.org/2000/svg" class="diagram__svg" role="img" '
        f'aria-labelledby="{escape(title_id)}" aria-describedby="{escape(desc_id)}" '
        f'viewBox="-2 -2 {WIDTH + 4} {canvas.height + 4:g}" width="100%" '
        f'font-family="{escape(FONTS)}" font-size="{LABEL_SIZE}"{direction}>'
        f'<title id="{escape(title_id)}">{escape(title)}</title>'
        f'<desc id="{escape(desc_id)}">{escape(alt)}</desc>'
        f"{canvas.svg()}</svg></figure>"
    )


class DiagramError(Exception):
    """A problem in a diagram block; `line` counts from the block's first YAML line (0)."""

    def __init__(self, line: int, message: str, /, **params: Any) -> None:
        self.line, self.template, self.params = line, message, params
        self.message = message % params if params else message
        super().__init__(self.message)


class LabelTooLong(Exception):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


# --- Reading a block ----------------------------------------------------------------------


@dataclass
class Block:
    """A diagram block's YAML, with the line of each value for precise messages."""

    data: dict[str, Any]
    node: yaml.Node

    def value(self, *path: str | int) -> Any:
        value: Any = self.data
        for step in path:
            if isinstance(value, dict):
                value = value.get(step)
            elif isinstance(value, list) and isinstance(step, int) and step < len(value):
                value = value[step]
            else:
                return None
        return value

    def line(self, *path: str | int) -> int:
        """The line (from 0) of the value at `path`, or of the nearest part of it there is."""
        node = self.node
        for step in path:
            if isinstance(node, yaml.MappingNode):
                found = [value for key, value in node.value if key.value == step]
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
                found = node.value[step : step + 1]
            else:
                found = []
            if not found:
                break
            node = found[0]
        return node.start_mark.line

    def line_of_text(self, text: str) -> int:
        """The line of the label whose text is `text` (the block's first line if none is)."""
        pending = [self.node]
        while pending:
            node = pending.pop(0)
            if isinstance(node, yaml.ScalarNode) and " ".join(node.value.split()) == text:
                return node.start_mark.line
            if isinstance(node, yaml.MappingNode):
                pending += [value for _, value in node.value]
            elif isinstance(node, yaml.SequenceNode):
                pending += node.value
        return 0

    def fail(self, message: str, *path: str | int, **params: Any) -> DiagramError:
        return DiagramError(self.line(*path), message, **params)

    def label(self, *path: str | int) -> str:
        """The text at `path`, on one line."""
        value = self.value(*path)
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.fail("'%(name)s' must be a text label", *path, name=_named(path))
        text = " ".join(str(value).split())
        if not text:
            raise self.fail("'%(name)s' is empty", *path, name=_named(path))
        return text

    def labels(self, *path: str | int, low: int, high: int, blanks: bool = False) -> list[str]:
        """The list of `low` to `high` labels at `path` (with `blanks`, `~` leaves a gap: '')."""
        values = self._list(path, low, high)
        return [
            "" if blanks and value is None else self.label(*path, index)
            for index, value in enumerate(values)
        ]

    def entries(
        self, *path: str | int, fields: tuple[str, ...], low: int, high: int
    ) -> list[dict[str, Any]]:
        """The list of `low` to `high` mappings at `path`, each with only these fields."""
        values = self._list(path, low, high)
        for index in range(len(values)):
            self.mapping(*path, index, fields=fields)
        return values

    def mapping(self, *path: str | int, fields: tuple[str, ...]) -> dict[str, Any]:
        """The mapping at `path`, whose fields are all among `fields`."""
        value = self.value(*path)
        if not isinstance(value, dict):
            raise self.fail(
                "'%(name)s' must be a mapping of %(fields)s",
                *path,
                name=_named(path),
                fields=", ".join(fields),
            )
        for key in value:
            if key not in fields:
                raise self.fail(
                    "unknown field '%(key)s' in '%(name)s': use %(fields)s",
                    *path,
                    key,
                    key=key,
                    name=_named(path),
                    fields=", ".join(fields),
                )
        return value

    def _list(self, path: tuple[str | int, ...], low: int, high: int) -> list[Any]:
        values = self.value(*path)
        if not isinstance(values, list):
            raise self.fail("'%(name)s' must be a list", *path, name=_named(path))
        if not low <= len(values) <= high:
            raise self.fail(
                "'%(name)s' has %(count)d items: this diagram fits %(low)d to %(high)d",
                *path,
                name=_named(path),
                count=len(values),
                low=low,
                high=high,
            )
        return values


def _named(path: tuple[str | int, ...]) -> str:
    """A path as an author reads it: stages[2].channels (items counted from 1)."""
    return "".join(f"[{step + 1}]" if isinstance(step, int) else f".{step}" for step in path)[1:]


def read_block(source: str) -> Block:
    """Parse a block's YAML: a mapping with a known kind, a title, an alt text and the
    kind's fields (their content is checked while drawing)."""
    try:
        node = yaml.compose(source, Loader=yaml.SafeLoader)
        data = yaml.safe_load(source)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        if "flow" in str(getattr(error, "context", "")):  # an unclosed [ or {: where it opens
            mark = error.context_mark  # type: ignore[attr-defined]
        problem = getattr(error, "problem", None) or str(error)
        raise DiagramError(
            mark.line if mark else 0, "broken YAML in diagram: %(error)s", error=problem
        ) from None
    if not isinstance(data, dict) or node is None:
        raise DiagramError(0, "a diagram block must be a YAML mapping: kind, title, alt, …")
    block = Block(data, node)
    kind = data.get("kind")
    if kind not in KINDS:
        raise block.fail(
            "unknown diagram kind '%(kind)s': use one of %(kinds)s",
            "kind",
            kind=kind,
            kinds=", ".join(KINDS),
        )
    fields = KINDS[kind].fields
    for key in data:
        if key not in ("kind", "title", "alt", *fields):
            raise block.fail(
                "unknown field '%(key)s' in a %(kind)s diagram", key, key=key, kind=kind
            )
    for name in ("title", "alt", *fields):
        if data.get(name) in (None, "", [], {}):
            raise block.fail("a %(kind)s diagram needs '%(name)s'", name, kind=kind, name=name)
    return block


# --- Measuring and wrapping text -----------------------------------------------------------


def _is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF"


def text_width(text: str, size: float) -> float:
    """An estimate of `text`'s width at `size`: a CJK character counts about double."""
    total = 0.0
    for char in text:
        if unicodedata.combining(char):
            continue  # a tone mark sits on its letter
        if _is_wide(char):
            total += 1.0
        elif char in " .,;:'!|ijlft":
            total += 0.32
        elif char.isupper() or char in "mw":
            total += 0.72
        else:
            total += 0.58
    return total * size


def _tokens(text: str) -> list[str]:
    """The pieces a line may break between: words with their spaces (or after a hyphen), each wide
    character (closing punctuation stays with the character before it)."""
    tokens: list[str] = []
    for char in text:
        if tokens and (
            char == " "
            or char in CLOSING
            or unicodedata.combining(char)
            or not (
                _is_wide(char) or _is_wide(tokens[-1][-1]) or tokens[-1].endswith((" ", "-", "/"))
            )
        ):
            tokens[-1] += char
        else:
            tokens.append(char)
    return tokens


def wrap(text: str, width: float, size: float) -> list[str]:
    """`text` in lines no wider than `width`; a word wider than a line is cut."""
    lines: list[str] = []
    current = ""
    for token in _tokens(text):
        if current and text_width((current + token).rstrip(), size) > width:
            lines.append(current.rstrip())
            current = ""
        current += token
        while text_width(current.rstrip(), size) > width:
            cut = max(
                (i for i in range(1, len(current)) if text_width(current[:i], size) <= width),
                default=1,
            )
            lines.append(current[:cut])
            current = current[cut:]
    if current.strip():
        lines.append(current.rstrip())
    return lines


def balanced(lines: list[str], text: str, size: float) -> list[str]:
    """The same number of lines, as even as they go (no last line of one character)."""
    if len(lines) < 2:
        return lines
    width = max(text_width(line, size) for line in lines)
    while width > size:
        narrower = wrap(text, width - size / 2, size)
        if len(narrower) > len(lines):
            break
        lines, width = narrower, max(text_width(line, size) for line in narrower)
    return lines


# --- Drawing ------------------------------------------------------------------------------


@dataclass
class Canvas:
    """Shapes on a WIDTH-wide viewBox, placed from the start edge (mirrored right to left)."""

    rtl: bool = False
    parts: list[str] = field(default_factory=list)
    height: float = 0.0

    def _x(self, x: float, width: float = 0.0) -> float:
        return WIDTH - x - width if self.rtl else x

    def _add(self, svg: str, bottom: float) -> None:
        self.parts.append(svg)
        self.height = max(self.height, bottom + 2)

    def lines(self, text: str, width: float, size: float = LABEL_SIZE) -> list[str]:
        lines = balanced(wrap(text, width - 2 * PAD, size), text, size)
        if len(lines) > MAX_LINES:
            raise LabelTooLong(text)
        return lines

    def text_height(self, text: str, width: float, size: float = LABEL_SIZE) -> float:
        return len(self.lines(text, width, size)) * size * LINE_HEIGHT + 2 * PAD

    def rect(self, x: float, y: float, width: float, height: float, style: str) -> None:
        fill, stroke = STYLES[style]
        self._add(
            f'<rect class="diagram__{style}" x="{self._x(x, width):g}" y="{y:g}" '
            f'width="{width:g}" height="{height:g}" rx="6" fill="{fill}" stroke="{stroke}" '
            'stroke-width="1.5"/>',
            y + height,
        )

    def text(self, x: float, y: float, width: float, text: str, style: str = "",
             size: float = LABEL_SIZE, bold: bool = False) -> float:  # fmt: skip
        """Centred text wrapped to `width`, from `y` down; its height. No style: page text."""
        lines = self.lines(text, width, size)
        role, colour = {"": ("text", "currentColor"), "accent": ("on-accent", ON_ACCENT)}.get(
            style, ("label", INK)
        )
        step, centre = size * LINE_HEIGHT, self._x(x + width / 2)
        spans = "".join(
            f'<tspan x="{centre:g}" y="{y + PAD + index * step + 0.93 * size:.1f}">'
            f"{escape(line)}</tspan>"
            for index, line in enumerate(lines)
        )
        weight = ' font-weight="bold"' if bold else ""
        height = len(lines) * step + 2 * PAD
        self._add(
            f'<text class="diagram__{role}" text-anchor="middle" fill="{colour}" '
            f'font-size="{size:g}"{weight}>{spans}</text>',
            y + height,
        )
        return height

    def box(self, x: float, y: float, width: float, text: str, style: str = "box",
            height: float = 0.0) -> float:  # fmt: skip
        """A box with its label in the middle, at least `height` high; its height."""
        label_height = self.text_height(text, width)
        height = max(height, label_height)
        self.rect(x, y, width, height, style)
        self.text(x, y + (height - label_height) / 2, width, text, style)
        return height

    def line(self, x1: float, y1: float, x2: float, y2: float, arrow: bool = False,
             dashed: bool = False) -> None:  # fmt: skip
        dash = ' stroke-dasharray="4 3"' if dashed else ""
        self._add(
            f'<line class="diagram__line" x1="{self._x(x1):g}" y1="{y1:g}" x2="{self._x(x2):g}" '
            f'y2="{y2:g}" stroke="{LINE}" stroke-width="1.5"{dash}/>',
            max(y1, y2),
        )
        if arrow:  # a head at (x2, y2), along the line
            length = ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5 or 1.0
            ux, uy = (x2 - x1) / length, (y2 - y1) / length
            self.polygon([(x2, y2), (x2 - 7 * ux + 4 * uy, y2 - 7 * uy - 4 * ux),
                          (x2 - 7 * ux - 4 * uy, y2 - 7 * uy + 4 * ux)])  # fmt: skip

    def polygon(self, points: list[tuple[float, float]]) -> None:
        corners = " ".join(f"{self._x(x):.1f},{y:.1f}" for x, y in points)
        self._add(
            f'<polygon class="diagram__arrow" points="{corners}" fill="{LINE}"/>',
            max(y for _, y in points),
        )

    def svg(self) -> str:
        return "".join(self.parts)


# --- The kinds ------------------------------------------------------------------------------


def draw_journey(block: Block, canvas: Canvas) -> None:
    """Stages from top to bottom, each beside the channels used in it; under them the shared
    customer profile, which a dashed line joins to every stage."""
    stages = block.entries("stages", fields=("stage", "channels"), low=2, high=6)
    stage_width, spine = 120.0, WIDTH - 6.0
    chips_x = stage_width + 2 * GAP
    chips_width = spine - GAP - chips_x
    y = 0.0
    for index in range(len(stages)):
        name = block.label("stages", index, "stage")
        channels = block.labels("stages", index, "channels", low=1, high=3)
        chip_width = (chips_width - GAP * (len(channels) - 1)) / len(channels)
        height = max(
            [canvas.text_height(name, stage_width)]
            + [canvas.text_height(channel, chip_width) for channel in channels]
        )
        canvas.box(0, y, stage_width, name, "accent", height)
        for position, channel in enumerate(channels):
            canvas.box(
                chips_x + position * (chip_width + GAP), y, chip_width, channel, "box", height
            )
        middle = y + height / 2
        canvas.line(stage_width, middle, chips_x, middle)
        canvas.line(chips_x + chips_width, middle, spine, middle, dashed=True)
        if index == 0:
            top = middle
        y += height + 2 * GAP
        if index < len(stages) - 1:
            canvas.line(stage_width / 2, y - 2 * GAP, stage_width / 2, y - 1, arrow=True)
    canvas.line(spine, top, spine, y, dashed=True)
    canvas.box(0, y, WIDTH, block.label("shared"), "data")


def draw_comparison(block: Block, canvas: Canvas) -> None:
    """Two columns of the same channels: `separate`, each channel with its own data; and
    `joined`, every channel joined to one shared data store."""
    channels = block.labels("channels", low=2, high=6)
    for side in ("separate", "joined"):
        block.mapping(side, fields=("heading", "data", "note"))
    column = (WIDTH - 2 * GAP) / 2
    starts = (0.0, column + 2 * GAP)
    channel_width = column * 0.52
    data_x = channel_width + 1.5 * GAP
    data_width = column - data_x
    own_data = block.label("separate", "data")
    heading = max(
        canvas.text_height(block.label(side, "heading"), column, HEADING_SIZE)
        for side in ("separate", "joined")
    )
    rows = [
        max(canvas.text_height(channel, channel_width), canvas.text_height(own_data, data_width))
        for channel in channels
    ]
    top = heading
    for start, side in zip(starts, ("separate", "joined"), strict=True):
        canvas.text(start, 0, column, block.label(side, "heading"), size=HEADING_SIZE, bold=True)
        y = top
        for channel, height in zip(channels, rows, strict=True):
            canvas.box(start, y, channel_width, channel, "box", height)
            canvas.line(start + channel_width, y + height / 2, start + data_x, y + height / 2)
            if side == "separate":
                canvas.box(start + data_x, y, data_width, own_data, "data", height)
            y += height + GAP
    bottom = top + sum(rows) + GAP * (len(rows) - 1)
    canvas.box(starts[1] + data_x, top, data_width, block.label("joined", "data"), "data",
               bottom - top)  # fmt: skip
    canvas.line(column + GAP, 0, column + GAP, bottom, dashed=True)
    notes = [(start, side) for start, side in zip(starts, ("separate", "joined"), strict=True)
             if block.value(side, "note") is not None]  # fmt: skip
    for start, side in notes:
        canvas.text(start, bottom + GAP / 2, column, block.label(side, "note"))


def draw_swimlane(block: Block, canvas: Canvas) -> None:
    """Lanes from top to bottom (customer, front stage, back stage, support systems), each
    with its steps in time order from the start edge; `~` leaves a step empty."""
    lanes = block.entries("lanes", fields=("lane", "steps"), low=2, high=5)
    steps = [
        block.labels("lanes", i, "steps", low=1, high=4, blanks=True) for i in range(len(lanes))
    ]
    columns = max(len(row) for row in steps)
    gap = 2 * GAP
    cell = (WIDTH - gap * (columns - 1)) / columns
    y = 0.0
    for index, row in enumerate(steps):
        name = block.label("lanes", index, "lane")
        band = canvas.text_height(name, WIDTH)
        canvas.rect(0, y, WIDTH, band, "lane")
        canvas.text(0, y, WIDTH, name, "lane", bold=True)
        y += band + GAP / 2
        if not any(row):
            raise block.fail("a lane needs at least one step", "lanes", index, "steps")
        height = max(canvas.text_height(step, cell) for step in row if step)
        for position, step in enumerate(row):
            if step:
                canvas.box(position * (cell + gap), y, cell, step, "box", height)
            if step and position + 1 < len(row) and row[position + 1]:
                x = position * (cell + gap) + cell
                canvas.line(x, y + height / 2, x + gap - 1, y + height / 2, arrow=True)
        y += height + GAP


def draw_balance(block: Block, canvas: Canvas) -> None:
    """A balance: `pros` on the start side, `cons` on the end side, each a column of items."""
    column = (WIDTH - 2 * GAP) / 2
    beam = 16.0
    canvas.polygon([(WIDTH / 2, beam), (WIDTH / 2 - 12, beam + 20), (WIDTH / 2 + 12, beam + 20)])
    canvas.line(column / 2, beam, WIDTH - column / 2, beam)
    for start, side, style in ((0.0, "pros", "good"), (column + 2 * GAP, "cons", "bad")):
        block.mapping(side, fields=("heading", "items"))
        canvas.line(start + column / 2, beam, start + column / 2, beam + 12)
        y = beam + 12
        y += canvas.text(
            start, y, column, block.label(side, "heading"), size=HEADING_SIZE, bold=True
        )
        for item in block.labels(side, "items", low=1, high=6):
            y += canvas.box(start, y, column, item, style) + GAP / 2


@dataclass(frozen=True)
class Kind:
    """What a kind of diagram needs besides kind, title and alt, and how it is drawn."""

    fields: tuple[str, ...]
    draw: Callable[[Block, Canvas], None]


KINDS = {
    "journey": Kind(("stages", "shared"), draw_journey),
    "comparison": Kind(("channels", "separate", "joined"), draw_comparison),
    "swimlane": Kind(("lanes",), draw_swimlane),
    "balance": Kind(("pros", "cons"), draw_balance),
}
