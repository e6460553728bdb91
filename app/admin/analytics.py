"""/admin/analytics: how one module is doing, as charts with tables behind them.

One module at a time (`?module=slug`, chosen with a GET form that works without
JavaScript); without a choice, the first module with something to show.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from babel.dates import format_skeleton
from flask import render_template
from flask_babel import format_date, format_decimal, format_percent, get_locale, ngettext
from flask_babel import gettext as _

from app.admin import bp, charts
from app.admin.forms import AnalyticsFilterForm
from app.admin.report import AnalyticsFilters, ModuleCounts, ModuleReport, build_report
from app.admin.report import module_counts as count_modules
from app.admin.routes import filter_form, module_titles
from app.content import get_course
from app.db import get_session
from app.i18n import current_locale
from app.models import RATING_SCALE
from app.web import private_page
from course import Module
from course.analytics import (
    DISCRIMINATION_WARNING,
    MIN_ATTEMPTS_TO_FLAG,
    POOR_DISCRIMINATION,
    TOO_EASY,
    TOO_HARD,
    WEEK,
    ItemStats,
)
from course.locales import display_name


def stage_names() -> dict[str, str]:
    return {
        "opened": _("Opened the module"),
        "read_any": _("Read at least one section"),
        "read_all": _("Read every section"),
        "attempted": _("Took the self-test"),
        "passed": _("Passed the self-test"),
    }


def stage_explanations(report: ModuleReport) -> dict[str, str]:
    """What each step of the funnel counts, in a sentence."""
    return {
        "opened": _(
            "Learners who opened the module page, read a section or took its self-test. "
            "Every step below counts among them."
        ),
        "read_any": _("Of them, those who have read at least one of its sections."),
        "read_all": _("Of them, those who have read every section the module has now."),
        "attempted": ngettext(
            "Of them, those who sent answers to the self-test: %(num)d attempt in all.",
            "Of them, those who sent answers to the self-test: %(num)d attempts in all.",
            report.funnel_attempts,
        ),
        "passed": _("Of them, those whose best score reached the pass mark."),
    }


def flag_names() -> dict[str, str]:
    return {
        TOO_HARD: _("Too hard"),
        TOO_EASY: _("Too easy"),
        POOR_DISCRIMINATION: _("Poor discrimination"),
    }


def verdict(item: ItemStats) -> str:
    """What the item analysis says about a question, with the sample it rests on."""
    if not item.enough_attempts:
        return _(
            "not enough answers yet (%(num)d of %(min)d)",
            num=item.answers,
            min=MIN_ATTEMPTS_TO_FLAG,
        )
    if item.flags:
        names = flag_names()
        return ", ".join(names[flag] for flag in item.flags)
    return _("Looks fine")


def with_count(value: str, count: int) -> str:
    """A figure with the number of answers it comes from."""
    return ngettext("%(value)s · %(num)d answer", "%(value)s · %(num)d answers", count, value=value)


def percent(value: float | None) -> str:
    return "–" if value is None else format_percent(value)


def decimal(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else format_decimal(round(value, digits))


def period_label(start: date, period: str) -> str:
    if period == WEEK:
        return _("Week of %(date)s", date=format_date(start, "medium"))
    return format_skeleton("yMMM", start, locale=get_locale())


def short_period_label(start: date, period: str) -> str:
    """A period's label short enough for a chart axis (its week's Monday, or the month)."""
    return format_skeleton("MMMd" if period == WEEK else "yMMM", start, locale=get_locale())


@dataclass
class ModuleView:
    """One module's report with the charts drawn from it."""

    report: ModuleReport
    shown: Module  # the module in the reader's language, for titles and question text
    ratings_chart: charts.Chart | None
    periods: list[str]
    scores_chart: charts.Chart | None
    questions_chart: charts.Chart | None


def _ratings_chart(report: ModuleReport, period: str) -> tuple[charts.Chart | None, list[str]]:
    starts = sorted({p.start for points in report.ratings_by_locale.values() for p in points})
    if not starts:
        return None, []
    labels = [short_period_label(start, period) for start in starts]
    series = []
    for locale, points in report.ratings_by_locale.items():
        by_start = {p.start: p.mean for p in points}
        series.append((display_name(locale), [by_start.get(start) for start in starts]))
    low, high = RATING_SCALE[0], RATING_SCALE[-1]
    chart = charts.line_chart(labels, series, low, high, list(RATING_SCALE), lambda t: f"{t:g}")
    return chart, labels


def _scores_chart(report: ModuleReport) -> charts.Chart | None:
    if not report.attempts:
        return None
    return charts.bar_rows(
        [bin_label(b) for b in report.scores],
        [b.count for b in report.scores],
        [format_decimal(b.count) if b.count else "" for b in report.scores],
    )


def bin_label(score_bin) -> str:
    high = score_bin.high if score_bin.high == 100 else score_bin.high - 1
    return f"{score_bin.low}–{high}"


def _questions_chart(report: ModuleReport) -> charts.Chart | None:
    items = report.questions
    if not any(item.facility is not None for item in items):
        return None

    def value(number: float, kind: str) -> str:
        return format_percent(number) if kind == "%" else format_decimal(round(number, 2))

    return charts.item_chart(
        [_("Q%(n)d", n=index) for index in range(1, len(items) + 1)],
        [item.facility for item in items],
        [item.discrimination for item in items],
        (_("Facility"), _("Discrimination")),
        value,
        DISCRIMINATION_WARNING,
        [item.enough_attempts for item in items],
    )


def default_module(counts: list[ModuleCounts]) -> str | None:
    """The first module with something to show, else the first module."""
    chosen = next((c for c in counts if c.has_data), counts[0] if counts else None)
    return chosen.module.slug if chosen else None


@bp.get("/analytics")
def analytics():
    form = filter_form(AnalyticsFilterForm, every_module=False)
    filters = AnalyticsFilters(
        locale=form.valid("locale"),
        date_from=form.valid("date_from"),
        date_to=form.valid("date_to"),
    )
    course = get_course()
    db = get_session()
    counts = count_modules(db, course, filters)
    chosen = form.valid("module") or default_module(counts)
    form.module.data = chosen  # the select shows the module on the page
    view = None
    if chosen:
        filters = replace(filters, module=chosen)
        report = build_report(db, course, filters)
        [module_report] = report.modules
        ratings_chart, periods = _ratings_chart(module_report, report.period)
        resolved = course.resolve(current_locale(), chosen)
        view = ModuleView(
            report=module_report,
            shown=resolved.module if resolved else module_report.module,
            ratings_chart=ratings_chart,
            periods=periods,
            scores_chart=_scores_chart(module_report),
            questions_chart=_questions_chart(module_report),
        )
        period = report.period
    else:
        period = WEEK
    return private_page(
        render_template(
            "admin/analytics.html",
            form=form,
            filters=filters,
            view=view,
            counts=counts,
            titles=module_titles(),
            link_args={
                name: value
                for name, value in (
                    ("locale", filters.locale),
                    ("date_from", filters.date_from),
                    ("date_to", filters.date_to),
                )
                if value
            },
            period=period,
            stage_names=stage_names(),
            stage_explanations=stage_explanations(view.report) if view else {},
            verdict=verdict,
            with_count=with_count,
            percent=percent,
            decimal=decimal,
            period_label=period_label,
            bin_label=bin_label,
            locale_name=display_name,
            warning=DISCRIMINATION_WARNING,
            min_attempts=MIN_ATTEMPTS_TO_FLAG,
        )
    )
