"""The numbers behind /admin/analytics, read from the database and computed by course.analytics.

Filters: module, locale and a date range, whose days are the site's (OMNICOURSE_TIME_ZONE).
Progress is kept per module and not per language (it follows the learner from
one to another), so the completion funnel ignores the locale filter. The funnel
counts every step among the same learners: those who did anything in the module
(opened it, read a section, took the self-test) in the chosen days.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import to_user_timezone
from sqlalchemy.orm import Session

from app.admin.desk import date_range, day_start
from app.models import Feedback, Progress, QuizAttempt, SectionRead, SectionVote
from course import Course, Module
from course.analytics import (
    FUNNEL_STAGES,
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
    funnel_attempts: int  # attempts of the funnel's learners in the period, every language
    scores: list[Bin]
    attempts: int  # attempts in the period and the chosen language
    questions: list[ItemStats]
    votes: dict[str, tuple[int, int]]  # section id -> (helpful, not helpful)

    @property
    def has_data(self) -> bool:
        return bool(
            self.ratings.count or self.attempts or self.funnel_attempts or self.votes
        ) or any(stage.count for stage in self.funnel)


@dataclass(frozen=True)
class ModuleCounts:
    """A line of the overview: how much there is to see about one module."""

    module: Module
    learners: int
    attempts: int
    responses: int

    @property
    def has_data(self) -> bool:
        return bool(self.learners or self.attempts or self.responses)


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
        journeys, funnel_attempts = _journeys(db, module, course.pass_threshold, filters)
        stages = FUNNEL_STAGES if module.quiz else FUNNEL_STAGES[:3]
        report.modules.append(
            ModuleReport(
                module=module,
                ratings=summaries.get(module.slug, RatingSummary(0, None, None, None)),
                ratings_by_locale=ratings_over_time(
                    [row[1:] for row in ratings if row[0] == module.slug], period
                ),
                funnel=completion_funnel(journeys, stages),
                funnel_attempts=funnel_attempts,
                scores=score_distribution((score, total) for _, score, total in attempts),
                attempts=len(attempts),
                questions=item_analysis(module.quiz, [answers for answers, _, _ in attempts])
                if module.quiz
                else [],
                votes=votes.get(module.slug, {}),
            )
        )
    return report


def module_counts(db: Session, course: Course, filters: AnalyticsFilters) -> list[ModuleCounts]:
    """Per module, in course order: its learners (as the funnel counts them), its self-test
    attempts and its feedback in the filters (the module filter aside)."""
    active = _active(filters).subquery()
    learners = dict(
        db.execute(
            sa.select(active.c.module_slug, sa.func.count()).group_by(active.c.module_slug)
        ).all()
    )
    attempts = dict(
        db.execute(
            sa.select(QuizAttempt.module_slug, sa.func.count(QuizAttempt.id))
            .where(*_attempt_conditions(filters))
            .group_by(QuizAttempt.module_slug)
        ).all()
    )
    responses = dict(
        db.execute(
            sa.select(Feedback.module_slug, sa.func.count(Feedback.id))
            .where(*_feedback_conditions(replace(filters, module=None)))
            .group_by(Feedback.module_slug)
        ).all()
    )
    return [
        ModuleCounts(
            module,
            learners.get(module.slug, 0),
            attempts.get(module.slug, 0),
            responses.get(module.slug, 0),
        )
        for module in course.source_modules()
    ]


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
    # Weeks and months as the site's calendar has them.
    return [
        (slug, locale, to_user_timezone(when), rating)
        for slug, locale, when, rating in db.execute(statement)
    ]


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


def _attempt_conditions(filters: AnalyticsFilters, slug: str | None = None) -> list:
    conditions = date_range(QuizAttempt.submitted_at, filters.date_from, filters.date_to)
    if slug:
        conditions.append(QuizAttempt.module_slug == slug)
    if filters.locale:
        conditions.append(QuizAttempt.locale == filters.locale)
    return conditions


def _attempts(db: Session, slug: str, filters: AnalyticsFilters) -> list[tuple]:
    """(answers, score, total) of every attempt at the module's self-test in the filters."""
    statement = (
        sa.select(QuizAttempt.answers, QuizAttempt.score, QuizAttempt.total)
        .where(*_attempt_conditions(filters, slug))
        .order_by(QuizAttempt.submitted_at, QuizAttempt.id)
    )
    return [tuple(row) for row in db.execute(statement)]


def _active(filters: AnalyticsFilters, slug: str | None = None) -> sa.CompoundSelect:
    """(module, learner) of everyone who did something in a module in the date range:
    opened it, opened or read a section, took the self-test (in any language)."""

    def where(column, *times) -> list:
        found = [column == slug] if slug else []
        if filters.date_from or filters.date_to:
            found.append(
                sa.or_(
                    *(sa.and_(*date_range(t, filters.date_from, filters.date_to)) for t in times)
                )
            )
        return found

    return sa.union(
        sa.select(Progress.module_slug, Progress.learner_id).where(
            *where(Progress.module_slug, Progress.created_at, Progress.updated_at)
        ),
        sa.select(SectionRead.module_slug, SectionRead.learner_id).where(
            *where(SectionRead.module_slug, SectionRead.opened_at, SectionRead.read_at)
        ),
        sa.select(QuizAttempt.module_slug, QuizAttempt.learner_id).where(
            *where(QuizAttempt.module_slug, QuizAttempt.submitted_at)
        ),
    )


def _journeys(
    db: Session, module: Module, pass_threshold: float, filters: AnalyticsFilters
) -> tuple[list[Journey], int]:
    """What each learner active in the module did, judged against its current sections, and
    their attempts at its self-test in the period (every language).

    Reading counts up to the end of the period, wherever it began; self-test attempts count
    within the period, so "took the self-test" agrees with the attempts shown beside it.
    """
    learners = set(db.scalars(sa.select(_active(filters, module.slug).subquery().c.learner_id)))
    if not learners:
        return [], 0
    section_ids = list(module.section_ids)
    read: dict[int, int] = {}  # learner -> sections read
    if section_ids:
        conditions = [
            SectionRead.module_slug == module.slug,
            SectionRead.read_at.is_not(None),
            SectionRead.section_id.in_(section_ids),
        ]
        if filters.date_to and filters.date_to < date.max:
            conditions.append(SectionRead.read_at < day_start(filters.date_to + timedelta(days=1)))
        statement = (
            sa.select(SectionRead.learner_id, sa.func.count())
            .where(*conditions)
            .group_by(SectionRead.learner_id)
        )
        read = {learner: count for learner, count in db.execute(statement) if learner in learners}
    best: dict[int, float | None] = {}  # learner -> best score ratio
    attempts = 0
    if module.quiz is not None:
        ratio = sa.case(
            (QuizAttempt.total > 0, sa.cast(QuizAttempt.score, sa.Float) / QuizAttempt.total)
        )
        every_language = replace(filters, locale=None)
        statement = (
            sa.select(QuizAttempt.learner_id, sa.func.max(ratio), sa.func.count())
            .where(*_attempt_conditions(every_language, module.slug))
            .group_by(QuizAttempt.learner_id)
        )
        for learner, value, count in db.execute(statement):
            best[learner] = float(value) if value is not None else None
            attempts += count
    journeys = []
    for learner in learners:
        sections = read.get(learner, 0)
        journeys.append(
            Journey(
                opened=True,
                read_any=sections > 0,
                read_all=sections == len(section_ids),
                attempted=learner in best,
                passed=quiz_passed(module, best.get(learner), pass_threshold),
            )
        )
    return journeys, attempts


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
