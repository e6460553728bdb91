"""Geometry of the analytics charts, drawn as inline SVG by templates/admin/_charts.html.

Everything is placed here, in a fixed view box, so the templates only print
numbers; colours come from classes in site.css (the CSP forbids style
attributes). Labels arrive already formatted for the reader's language.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

WIDTH, HEIGHT = 480, 250
LEFT, RIGHT, TOP, BOTTOM = 40, 12, 16, 40
SERIES_CLASSES = 6  # .chart__series--0 … --5 in site.css


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


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str
    text: Text | None = None


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
    width: int = WIDTH
    height: int = HEIGHT
    left: float = LEFT
    top: float = TOP
    right: float = WIDTH - RIGHT
    bottom: float = HEIGHT - BOTTOM
    bars: list[Bar] = field(default_factory=list)
    series: list[Series] = field(default_factory=list)
    x_labels: list[Text] = field(default_factory=list)
    y_labels: list[Text] = field(default_factory=list)
    grid: list[Line] = field(default_factory=list)
    guides: list[Line] = field(default_factory=list)
    zones: list[tuple[float, float, float, float]] = field(default_factory=list)
    row_labels: list[Text] = field(default_factory=list)

    def y_at(self, share: float) -> float:
        return self.bottom - share * (self.bottom - self.top)


def nice_ticks(maximum: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least `maximum` (steps of 1, 2 or 5 × 10ⁿ)."""
    if maximum <= 0:
        return [0, 1]
    raw = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    step = max(step, 1) if maximum >= 1 else step
    top = math.ceil(maximum / step) * step
    return [round(i * step, 10) for i in range(round(top / step) + 1)]


def _y_axis(chart: Chart, ticks: Sequence[float], low: float, high: float, fmt) -> None:
    for tick in ticks:
        y = chart.y_at((tick - low) / (high - low))
        chart.grid.append(Line(chart.left, y, chart.right, y))
        chart.y_labels.append(Text(chart.left - 6, y + 4, fmt(tick), "end"))


def column_chart(
    labels: Sequence[str], values: Sequence[int], value_labels: Sequence[str]
) -> Chart:
    """Vertical bars, one per label (a histogram), with a count axis from 0."""
    chart = Chart()
    ticks = nice_ticks(max(values, default=0))
    _y_axis(chart, ticks, 0, ticks[-1], lambda t: f"{t:g}")
    slot = (chart.right - chart.left) / max(len(labels), 1)
    for index, (label, value, text) in enumerate(zip(labels, values, value_labels, strict=True)):
        height = (chart.bottom - chart.top) * value / ticks[-1]
        x = chart.left + index * slot + slot * 0.1
        bar = Bar(
            x,
            chart.bottom - height,
            slot * 0.8,
            height,
            label,
            Text(x + slot * 0.4, chart.bottom - height - 4, text),
        )
        chart.bars.append(bar)
        chart.x_labels.append(Text(x + slot * 0.4, chart.bottom + 16, label))
    return chart


def bar_rows(labels: Sequence[str], values: Sequence[int], value_labels: Sequence[str]) -> Chart:
    """Horizontal bars, each under its label (a funnel), lengths relative to the largest."""
    row = 46
    chart = Chart(height=TOP + row * len(labels) + 8, left=8, bottom=TOP + row * len(labels))
    largest = max(values, default=0) or 1
    span = chart.right - chart.left - 70  # room for the number after the longest bar
    for index, (label, value, text) in enumerate(zip(labels, values, value_labels, strict=True)):
        y = chart.top + index * row
        chart.row_labels.append(Text(chart.left, y + 12, label, "start"))
        width = span * value / largest
        chart.bars.append(
            Bar(
                chart.left,
                y + 18,
                max(width, 1.5),
                18,
                label,
                Text(chart.left + width + 6, y + 32, text, "start"),
            )
        )
    return chart


def line_chart(
    x_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    low: float,
    high: float,
    ticks: Sequence[float],
    tick_format=lambda t: f"{t:g}",
) -> Chart:
    """One line per series over evenly spaced categories; None leaves a point out."""
    chart = Chart()
    _y_axis(chart, ticks, low, high, tick_format)
    count = len(x_labels)
    slot = (chart.right - chart.left) / max(count, 1)
    xs = [chart.left + slot * (i + 0.5) for i in range(count)]
    # Thin out crowded period labels; the table under the chart has them all.
    every = max(1, math.ceil(count / 6))
    chart.x_labels = [
        Text(x, chart.bottom + 18, label)
        for i, (x, label) in enumerate(zip(xs, x_labels, strict=True))
        if i % every == 0
    ]
    for index, (name, values) in enumerate(series):
        kept = [(i, v) for i, v in enumerate(values) if v is not None]
        points = tuple(
            Point(xs[i], chart.y_at((value - low) / (high - low)), f"{name}: {x_labels[i]}")
            for i, value in kept
        )
        slots = tuple(i for i, _ in kept)
        chart.series.append(Series(name, index % SERIES_CLASSES, points, slots))
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
    """Per question, a facility bar (0 to 1) and a discrimination bar (−1 to 1) side by side.

    Discrimination below `warn_below` lies in a shaded band and is drawn in the
    warning colour, for the questions `judged` (drawn by enough attempts; all by default).
    """
    row = 30
    top = TOP + 24
    chart = Chart(height=top + row * len(labels) + 8, left=44, top=top)
    chart.bottom = top + row * len(labels)
    middle = chart.left + (chart.right - chart.left) / 2
    left_panel = (chart.left, middle - 16)
    right_panel = (middle + 16, chart.right)
    chart.row_labels.append(Text(left_panel[0], TOP + 4, headings[0], "start"))
    chart.row_labels.append(Text(right_panel[0], TOP + 4, headings[1], "start"))

    def at(panel: tuple[float, float], share: float) -> float:
        return panel[0] + share * (panel[1] - panel[0])

    zero = at(right_panel, 0.5)
    warn_x = at(right_panel, (warn_below + 1) / 2)
    chart.zones.append(
        (right_panel[0], chart.top, warn_x - right_panel[0], chart.bottom - chart.top)
    )
    chart.guides.append(Line(warn_x, chart.top, warn_x, chart.bottom))
    chart.grid.append(Line(zero, chart.top, zero, chart.bottom))
    chart.grid.append(Line(left_panel[0], chart.top, left_panel[0], chart.bottom))
    for index, label in enumerate(labels):
        y = chart.top + index * row
        chart.x_labels.append(Text(chart.left - 8, y + 19, label, "end"))
        if facility[index] is not None:
            width = at(left_panel, facility[index]) - left_panel[0]
            text = Text(
                left_panel[0] + width + 5, y + 20, value_format(facility[index], "%"), "start"
            )
            chart.bars.append(
                Bar(left_panel[0], y + 6, max(width, 1.5), 18, f"{label} {headings[0]}", text)
            )
        value = discrimination[index]
        if value is not None:
            end = at(right_panel, (value + 1) / 2)
            x, width = min(zero, end), max(abs(end - zero), 1.5)
            anchor = "start" if value >= 0 else "end"
            text = Text(end + (5 if value >= 0 else -5), y + 20, value_format(value, ""), anchor)
            warn = value < warn_below and (judged is None or judged[index])
            chart.bars.append(Bar(x, y + 6, width, 18, f"{label} {headings[1]}", text, warn))
    return chart
