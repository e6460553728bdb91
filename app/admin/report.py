"""The numbers behind /admin/analytics, read from the database and computed by course.analytics.

Filters: module, locale and a date range. Progress is kept per module and not
per language (it follows the learner from one to another), so the completion
funnel ignores the locale filter; its date range selects the learners who first
opened the module in those days.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.admin.desk import date_range
from app.models import Feedback, Progress, QuizAttempt, SectionRead, SectionVote
from course import Course, Module
from course.analytics import (
    Bin,
    FunnelStage,
    ItemStats,
    Journey,
    PeriodMean,
    choose_period,
    completion_funnel,
    item_analysis,
    ratings_over_time,
    score_distribution,
)
from course.progress import quiz_passed


@dataclass(frozen=True)
class AnalyticsFilters:
    module: str | None = None
    locale: str | None = None
    date_from: date | None = None
    date_to: date | None = None


@dataclass(frozen=True)
class RatingSummary:
    count: int
    rating: float | None
    clarity: float | None
    usefulness: float | None


@dataclass
class ModuleReport:
    module: Module
    ratings: RatingSummary
    ratings_by_locale: dict[str, list[PeriodMean]]
    funnel: list[FunnelStage]
    scores: list[Bin]
    attempts: int
    questions: list[ItemStats]
    votes: dict[str, tuple[int, int]]  # section id -> (helpful, not helpful)


@dataclass
class Report:
    period: str
    modules: list[ModuleReport] = field(default_factory=list)


def build_report(db: Session, course: Course, filters: AnalyticsFilters) -> Report:
    """Everything the analytics page shows, for the modules the filters select."""
    modules = [m for m in course.source_modules() if filters.module in (None, m.slug)]
    ratings = _rating_rows(db, filters)
    period = choose_period(ratings[0][2], ratings[-1][2]) if ratings else "week"
    if filters.date_from and filters.date_to:
        period = choose_period(filters.date_from, filters.date_to)
    summaries = _rating_summaries(db, filters)
    votes = _votes(db, filters)
    report = Report(period=period)
    for module in modules:
        attempts = _attempts(db, module.slug, filters)
        report.modules.append(
            ModuleReport(
                module=module,
                ratings=summaries.get(module.slug, RatingSummary(0, None, None, None)),
                ratings_by_locale=ratings_over_time(
                    [row[1:] for row in ratings if row[0] == module.slug], period
                ),
                funnel=completion_funnel(_journeys(db, module, course.pass_threshold, filters)),
                scores=score_distribution((score, total) for _, score, total in attempts),
                attempts=len(attempts),
                questions=item_analysis(module.quiz, [answers for answers, _, _ in attempts])
                if module.quiz
                else [],
                votes=votes.get(module.slug, {}),
            )
        )
    return report


def _feedback_conditions(filters: AnalyticsFilters) -> list:
    found = date_range(Feedback.created_at, filters.date_from, filters.date_to)
    if filters.module:
        found.append(Feedback.module_slug == filters.module)
    if filters.locale:
        found.append(Feedback.locale == filters.locale)
    return found


def _rating_rows(db: Session, filters: AnalyticsFilters) -> list[tuple]:
    statement = (
        sa.select(Feedback.module_slug, Feedback.locale, Feedback.created_at, Feedback.rating)
        .where(*_feedback_conditions(filters))
        .order_by(Feedback.created_at)
    )
    return [tuple(row) for row in db.execute(statement)]


def _rating_summaries(db: Session, filters: AnalyticsFilters) -> dict[str, RatingSummary]:
    statement = (
        sa.select(
            Feedback.module_slug,
            sa.func.count(Feedback.id),
            sa.func.avg(Feedback.rating),
            sa.func.avg(Feedback.clarity),
            sa.func.avg(Feedback.usefulness),
        )
        .where(*_feedback_conditions(filters))
        .group_by(Feedback.module_slug)
    )
    return {
        slug: RatingSummary(count, *(float(v) if v is not None else None for v in averages))
        for slug, count, *averages in db.execute(statement)
    }


def _attempts(db: Session, slug: str, filters: AnalyticsFilters) -> list[tuple]:
    """(answers, score, total) of every attempt at the module's self-test in the filters."""
    conditions = [QuizAttempt.module_slug == slug]
    conditions += date_range(QuizAttempt.submitted_at, filters.date_from, filters.date_to)
    if filters.locale:
        conditions.append(QuizAttempt.locale == filters.locale)
    statement = (
        sa.select(QuizAttempt.answers, QuizAttempt.score, QuizAttempt.total)
        .where(*conditions)
        .order_by(QuizAttempt.submitted_at, QuizAttempt.id)
    )
    return [tuple(row) for row in db.execute(statement)]


def _journeys(
    db: Session, module: Module, pass_threshold: float, filters: AnalyticsFilters
) -> list[Journey]:
    """What each learner who opened the module did next, judged against its current sections."""
    opened = sa.select(Progress.learner_id).where(
        Progress.module_slug == module.slug,
        *date_range(Progress.created_at, filters.date_from, filters.date_to),
    )
    learners = set(db.scalars(opened))
    if not learners:
        return []
    section_ids = list(module.section_ids)
    read_all: set[int] = set()
    if section_ids:
        statement = (
            sa.select(SectionRead.learner_id)
            .where(
                SectionRead.module_slug == module.slug,
                SectionRead.read_at.is_not(None),
                SectionRead.section_id.in_(section_ids),
                SectionRead.learner_id.in_(opened),
            )
            .group_by(SectionRead.learner_id)
            .having(sa.func.count() == len(section_ids))
        )
        read_all = set(db.scalars(statement))
    else:
        read_all = learners
    best: dict[int, float] = {}  # learner -> best score ratio
    if module.quiz is not None:
        ratio = sa.cast(QuizAttempt.score, sa.Float) / QuizAttempt.total
        statement = (
            sa.select(QuizAttempt.learner_id, sa.func.max(ratio))
            .where(
                QuizAttempt.module_slug == module.slug,
                QuizAttempt.total > 0,
                QuizAttempt.learner_id.in_(opened),
            )
            .group_by(QuizAttempt.learner_id)
        )
        best = {learner: float(value) for learner, value in db.execute(statement)}
    journeys = []
    for learner in learners:
        if module.quiz is None:  # nothing to take: reading everything completes the module
            attempted = passed = learner in read_all
        else:
            attempted = learner in best
            passed = quiz_passed(module, best.get(learner), pass_threshold)
        journeys.append(Journey(True, learner in read_all, attempted, passed))
    return journeys


def _votes(db: Session, filters: AnalyticsFilters) -> dict[str, dict[str, tuple[int, int]]]:
    conditions = date_range(SectionVote.updated_at, filters.date_from, filters.date_to)
    if filters.module:
        conditions.append(SectionVote.module_slug == filters.module)
    if filters.locale:
        conditions.append(SectionVote.locale == filters.locale)
    helpful = sa.func.sum(sa.case((SectionVote.helpful, 1), else_=0))
    statement = (
        sa.select(SectionVote.module_slug, SectionVote.section_id, helpful, sa.func.count())
        .where(*conditions)
        .group_by(SectionVote.module_slug, SectionVote.section_id)
    )
    found: dict[str, dict[str, tuple[int, int]]] = {}
    for slug, section, yes, count in db.execute(statement):
        found.setdefault(slug, {})[section] = (int(yes), int(count) - int(yes))
    return found
