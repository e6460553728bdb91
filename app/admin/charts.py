"""Geometry of the analytics charts, drawn as inline SVG by templates/admin/_charts.html.

Everything is placed here, in a view box 300 units wide, so the templates only
print numbers; colours and type sizes come from classes in static/css/admin.css
(the CSP forbids style attributes). A chart scales with the width of its box, so
its labels are set in units that stay at least 12 px on a 320 px phone (where
the box is about 250 px wide) and its labels never sit side by side with long
text: bars run across, each label above or beside its bar. Labels arrive already
formatted for the reader's language.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

WIDTH = 300
FONT = 16  # the labels' size in view box units (admin.css sets the same)
CHAR = FONT * 0.6  # room for one character of a number or a short label
SERIES_CLASSES = 6  # .chart__series--0 … --5 in admin.css


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "middle"


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # what the bar stands for, as a tooltip
    value: Text  # the number, printed by the bar
    warn: bool = False  # drawn in the warning colour
    faint: bool = False  # too few answers to judge: drawn pale


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str


@dataclass(frozen=True)
class Series:
    name: str
    css: int  # index of the colour class
    points: tuple[Point, ...]
    slots: tuple[int, ...] = ()  # each point's category, so a missing one breaks the line

    @property
    def path(self) -> str:
        """SVG path data joining the points of neighbouring categories."""
        slots = self.slots or tuple(range(len(self.points)))
        parts = []
        for index, (point, slot) in enumerate(zip(self.points, slots, strict=True)):
            joined = index > 0 and slots[index - 1] == slot - 1
            parts.append(f"{'L' if joined else 'M'}{point.x:.1f},{point.y:.1f}")
        return " ".join(parts)


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass
class Chart:
    height: float
    left: float = 0
    top: float = 0
    right: float = WIDTH
    bottom: float = 0
    width: int = WIDTH
    bars: list[Bar] = field(default_factory=list)
    series: list[Series] = field(default_factory=list)
    labels: list[Text] = field(default_factory=list)  # category and tick labels
    headings: list[Text] = field(default_factory=list)  # bold: what a panel shows
    grid: list[Line] = field(default_factory=list)
    axes: list[Line] = field(default_factory=list)
    guides: list[Line] = field(default_factory=list)
    zones: list[tuple[float, float, float, float]] = field(default_factory=list)

    def y_at(self, share: float) -> float:
        return self.bottom - share * (self.bottom - self.top)


def text_width(text: str) -> float:
    """A generous estimate of a label's width in view box units (wide scripts count double)."""
    return sum(CHAR * (2 if ord(c) > 0x2E80 else 1) for c in text)


def line_chart(
    x_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    low: float,
    high: float,
    ticks: Sequence[float],
    tick_format=lambda t: f"{t:g}",
) -> Chart:
    """One line per series over evenly spaced categories; None leaves a point out."""
    chart = Chart(height=210, left=30, top=12, right=WIDTH - 8, bottom=210 - 34)
    for tick in ticks:
        y = chart.y_at((tick - low) / (high - low))
        chart.grid.append(Line(chart.left, y, chart.right, y))
        chart.labels.append(Text(chart.left - 8, y + FONT * 0.35, tick_format(tick), "end"))
    chart.axes.append(Line(chart.left, chart.bottom, chart.right, chart.bottom))
    count = len(x_labels)
    slot = (chart.right - chart.left) / max(count, 1)
    xs = [chart.left + slot * (i + 0.5) for i in range(count)]
    # As many period labels as fit side by side; the table under the chart has them all.
    widest = max((text_width(label) for label in x_labels), default=0) + CHAR * 2
    fits = max(1, math.floor((chart.right - chart.left) / widest))
    every = max(1, math.ceil(count / fits))
    for i, (x, label) in enumerate(zip(xs, x_labels, strict=True)):
        if i % every == 0:
            half = text_width(label) / 2
            x = min(max(x, half + 2), WIDTH - half - 2)  # never cut at the edges
            chart.labels.append(Text(x, chart.bottom + FONT + 6, label))
    for index, (name, values) in enumerate(series):
        kept = [(i, v) for i, v in enumerate(values) if v is not None]
        points = tuple(
            Point(xs[i], chart.y_at((value - low) / (high - low)), f"{name}: {x_labels[i]}")
            for i, value in kept
        )
        slots = tuple(i for i, _ in kept)
        chart.series.append(Series(name, index % SERIES_CLASSES, points, slots))
    return chart


def bar_rows(labels: Sequence[str], values: Sequence[int], value_labels: Sequence[str]) -> Chart:
    """Horizontal bars, one per short label written before it (a histogram on its side),
    lengths relative to the largest, each with its number after it."""
    row, bar = 28, 18
    label_room = max((text_width(label) for label in labels), default=0) + 8
    number_room = max((text_width(text) for text in value_labels), default=0) + 8
    chart = Chart(height=row * len(labels) + 4, left=label_room, top=2)
    chart.bottom = chart.top + row * len(labels)
    span = chart.right - chart.left - number_room
    largest = max(values, default=0) or 1
    chart.axes.append(Line(chart.left, chart.top, chart.left, chart.bottom))
    for index, (label, value, text) in enumerate(zip(labels, values, value_labels, strict=True)):
        y = chart.top + index * row
        middle = y + row / 2 + FONT * 0.35
        chart.labels.append(Text(chart.left - 6, middle, label, "end"))
        width = span * value / largest
        chart.bars.append(
            Bar(
                chart.left,
                y + (row - bar) / 2,
                max(width, 1.5) if value else 0,
                bar,
                label,
                Text(chart.left + width + 5, middle, text, "start"),
            )
        )
    return chart


def item_chart(
    labels: Sequence[str],
    facility: Sequence[float | None],
    discrimination: Sequence[float | None],
    headings: tuple[str, str],
    value_format,
    warn_below: float,
    judged: Sequence[bool] | None = None,
) -> Chart:
    """Per question, a facility bar (0 to 1) and a discrimination bar (−1 to 1) side by side,
    each panel with its number at its end.

    Discrimination below `warn_below` lies in a shaded band; it is drawn in the warning
    colour only for the questions `judged` (drawn by enough attempts; all by default), and
    the bars of the others are pale.
    """
    row, bar = 28, 16
    label_room = max((text_width(label) for label in labels), default=0) + 8
    number = text_width("100 %")
    top = FONT + 10
    chart = Chart(height=top + row * len(labels) + 4, left=label_room, top=top)
    chart.bottom = top + row * len(labels)
    gap = 12
    panel = (WIDTH - label_room - gap) / 2  # each panel: its bars, then room for the number
    left_panel = (label_room, label_room + panel - number)
    right_start = label_room + panel + gap
    right_panel = (right_start, WIDTH - number)
    chart.headings.append(Text(left_panel[0], FONT, headings[0], "start"))
    chart.headings.append(Text(WIDTH, FONT, headings[1], "end"))  # long names grow leftwards

    def at(span: tuple[float, float], share: float) -> float:
        return span[0] + share * (span[1] - span[0])

    zero = at(right_panel, 0.5)
    warn_x = at(right_panel, (warn_below + 1) / 2)
    chart.zones.append(
        (right_panel[0], chart.top, warn_x - right_panel[0], chart.bottom - chart.top)
    )
    chart.guides.append(Line(warn_x, chart.top, warn_x, chart.bottom))
    chart.grid.append(Line(zero, chart.top, zero, chart.bottom))
    chart.axes.append(Line(left_panel[0], chart.top, left_panel[0], chart.bottom))
    for index, label in enumerate(labels):
        y = chart.top + index * row
        middle = y + row / 2 + FONT * 0.35
        sure = judged is None or judged[index]
        chart.labels.append(Text(chart.left - 6, middle, label, "end"))
        if facility[index] is not None:
            width = at(left_panel, facility[index]) - left_panel[0]
            text = Text(
                left_panel[1] + number - 4, middle, value_format(facility[index], "%"), "end"
            )
            chart.bars.append(
                Bar(
                    left_panel[0],
                    y + (row - bar) / 2,
                    max(width, 1.5),
                    bar,
                    f"{label} {headings[0]}",
                    text,
                    faint=not sure,
                )
            )
        value = discrimination[index]
        if value is not None:
            end = at(right_panel, (value + 1) / 2)
            x, width = min(zero, end), max(abs(end - zero), 1.5)
            text = Text(WIDTH - 2, middle, value_format(value, ""), "end")
            warn = value < warn_below and sure
            chart.bars.append(
                Bar(
                    x,
                    y + (row - bar) / 2,
                    width,
                    bar,
                    f"{label} {headings[1]}",
                    text,
                    warn=warn,
                    faint=not sure,
                )
            )
    return chart
