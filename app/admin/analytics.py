"""/admin/analytics: how each module is doing, as charts with tables behind them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from babel.dates import format_skeleton
from flask import render_template
from flask_babel import format_date, format_decimal, format_percent, get_locale
from flask_babel import gettext as _

from app.admin import bp, charts
from app.admin.forms import AnalyticsFilterForm
from app.admin.report import AnalyticsFilters, ModuleReport, build_report
from app.admin.routes import filter_form
from app.content import get_course
from app.db import get_session
from app.i18n import current_locale
from app.models import RATING_SCALE
from app.web import private_page
from course import Module
from course.analytics import DISCRIMINATION_WARNING, MIN_ATTEMPTS_TO_FLAG, WEEK
from course.locales import display_name


def stage_names() -> dict[str, str]:
    return {
        "opened": _("Opened the module"),
        "read_all": _("Read every section"),
        "attempted": _("Took the self-test"),
        "passed": _("Passed it"),
    }


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
    funnel_chart: charts.Chart
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


def _funnel_chart(report: ModuleReport) -> charts.Chart:
    names = stage_names()
    return charts.bar_rows(
        [names[stage.key] for stage in report.funnel],
        [stage.count for stage in report.funnel],
        [
            f"{format_decimal(stage.count)} ({percent(stage.share_of_start)})"
            for stage in report.funnel
        ],
    )


def _scores_chart(report: ModuleReport) -> charts.Chart | None:
    if not report.attempts:
        return None
    return charts.column_chart(
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


@bp.get("/analytics")
def analytics():
    form = filter_form(AnalyticsFilterForm)
    filters = AnalyticsFilters(
        module=form.valid("module"),
        locale=form.valid("locale"),
        date_from=form.valid("date_from"),
        date_to=form.valid("date_to"),
    )
    course = get_course()
    report = build_report(get_session(), course, filters)
    views = []
    for module_report in report.modules:
        ratings_chart, periods = _ratings_chart(module_report, report.period)
        resolved = course.resolve(current_locale(), module_report.module.slug)
        views.append(
            ModuleView(
                report=module_report,
                shown=resolved.module if resolved else module_report.module,
                ratings_chart=ratings_chart,
                periods=periods,
                funnel_chart=_funnel_chart(module_report),
                scores_chart=_scores_chart(module_report),
                questions_chart=_questions_chart(module_report),
            )
        )
    return private_page(
        render_template(
            "admin/analytics.html",
            form=form,
            filters=filters,
            views=views,
            period=report.period,
            stage_names=stage_names(),
            percent=percent,
            decimal=decimal,
            period_label=period_label,
            bin_label=bin_label,
            locale_name=display_name,
            warning=DISCRIMINATION_WARNING,
            min_attempts=MIN_ATTEMPTS_TO_FLAG,
        )
    )
