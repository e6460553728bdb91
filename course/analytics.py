"""Course statistics: item analysis of self-tests, score distributions, funnels, ratings.

Pure functions over plain data (no Flask, no database), so they can be checked
by hand and used from a notebook.

Item analysis follows classical test theory:

- **Facility index** of a question: the mean share of a point earned by the
  attempts that drew it (0 to 1; high = easy): for a choice question the share
  answered correctly, for an ordering or matching one the share of items right.
- **Discrimination index** (Kelley's upper–lower groups): attempts are ranked
  by their total score on the whole self-test, the question itself included;
  the top 27 % and the bottom 27 % (rounded half up, at least one attempt each)
  form the upper and lower groups, ties keeping submission order.
  D = facility in the upper group − facility in the lower group, from −1 to 1.
  A question that strong learners miss as often as weak ones (D near 0) or more
  often (D < 0) is probably misleading; 0.2 is a common warning line.
- Both are judged only from MIN_ATTEMPTS_TO_FLAG attempts that drew the question:
  below that, chance alone moves them too much to call a question faulty.
- **Most chosen wrong option**: among the options that are not correct, the one
  ticked most often (for multiple choice, any ticked option that is not correct);
  none for ordering and matching questions, which are graded item by item.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from course.model import Quiz
from course.quiz import points

UPPER_LOWER_SHARE = 0.27
DISCRIMINATION_WARNING = 0.2
# Facility outside these bounds: (almost) no one, or (almost) everyone, gets it right.
FACILITY_TOO_HARD, FACILITY_TOO_EASY = 0.2, 0.95
MIN_ATTEMPTS_TO_FLAG = 30
TOO_HARD, TOO_EASY, POOR_DISCRIMINATION = "too_hard", "too_easy", "poor_discrimination"
WEEK, MONTH = "week", "month"


def mean(values: Iterable[float]) -> float | None:
    """The arithmetic mean, or None for no values."""
    values = list(values)
    return sum(values) / len(values) if values else None


def facility_index(correct: Sequence[float]) -> float | None:
    """Mean points of the answers (1 or 0 for right or wrong); None when there are none."""
    return sum(correct) / len(correct) if correct else None


def group_size(count: int, share: float = UPPER_LOWER_SHARE) -> int:
    """Attempts in each of the upper and lower groups: `share` of `count`, half up, at least 1."""
    return max(1, math.floor(share * count + 0.5))


def discrimination_index(
    correct: Sequence[float], totals: Sequence[float], share: float = UPPER_LOWER_SHARE
) -> float | None:
    """Kelley's D for one question: `correct[i]` and `totals[i]` describe attempt i.

    None with fewer than two attempts, when no split into groups is possible.
    """
    if len(correct) != len(totals):
        raise ValueError("one total score per answer is needed")
    if len(correct) < 2:
        return None
    n = group_size(len(correct), share)
    # sorted() is stable: attempts with equal totals keep their submission order.
    ranked = sorted(range(len(correct)), key=lambda i: totals[i], reverse=True)
    upper, lower = ranked[:n], ranked[-n:]
    return sum(correct[i] for i in upper) / n - sum(correct[i] for i in lower) / n


def most_chosen_wrong(
    choices: Iterable[Collection[str]], correct_keys: Collection[str], option_order: Sequence[str]
) -> tuple[str, int] | None:
    """The wrong option ticked most often and how often; ties go to the earlier option."""
    counts = Counter(key for chosen in choices for key in chosen if key not in correct_keys)
    if not counts:
        return None
    best = max(counts.values())
    key = next(k for k in option_order if counts.get(k) == best)
    return key, best


@dataclass(frozen=True)
class ItemStats:
    """Item analysis of one question over a set of attempts."""

    question_id: str
    answers: int  # attempts that drew the question
    correct: int  # of them wholly right
    facility: float | None
    discrimination: float | None
    wrong_option: str | None  # an option key (a, b, …)
    wrong_count: int

    @property
    def enough_attempts(self) -> bool:
        return self.answers >= MIN_ATTEMPTS_TO_FLAG

    @property
    def flags(self) -> tuple[str, ...]:
        """What looks wrong with the question: "too_hard", "too_easy", "poor_discrimination";
        nothing until MIN_ATTEMPTS_TO_FLAG attempts have drawn it (chance alone moves less)."""
        if not self.enough_attempts:
            return ()
        found = []
        if self.facility is not None and self.facility < FACILITY_TOO_HARD:
            found.append(TOO_HARD)
        if self.facility is not None and self.facility > FACILITY_TOO_EASY:
            found.append(TOO_EASY)
        if self.discrimination is not None and self.discrimination < DISCRIMINATION_WARNING:
            found.append(POOR_DISCRIMINATION)
        return tuple(found)

    @property
    def needs_review(self) -> bool:
        """Everyone or no one gets it right, or it does not separate strong and weak learners
        (judged only once enough attempts drew it)."""
        return bool(self.flags)


def item_analysis(quiz: Quiz, attempts: Sequence[Mapping[str, Sequence[str]]]) -> list[ItemStats]:
    """Facility, discrimination and the most chosen wrong option of every question of `quiz`.

    Each attempt maps the question ids it drew to their answers (see
    `course.quiz`). Attempts are graded against `quiz` again, so the totals agree
    with the questions shown; a question counts only over the attempts that drew it.
    """
    graded = []
    for answers in attempts:
        marks = {q.id: points(q, answers[q.id]) for q in quiz.questions if q.id in answers}
        graded.append((answers, marks, sum(marks.values())))
    stats = []
    for question in quiz.questions:
        rows = [(answers, marks, total) for answers, marks, total in graded if question.id in marks]
        correct = [marks[question.id] for _, marks, _ in rows]
        wrong = (
            None
            if question.graded_per_item
            else most_chosen_wrong(
                (answers[question.id] for answers, _, _ in rows),
                question.correct_keys,
                [option.key for option in question.options],
            )
        )
        stats.append(
            ItemStats(
                question_id=question.id,
                answers=len(rows),
                correct=sum(mark == 1.0 for mark in correct),
                facility=facility_index(correct),
                discrimination=discrimination_index(correct, [total for _, _, total in rows]),
                wrong_option=wrong[0] if wrong else None,
                wrong_count=wrong[1] if wrong else 0,
            )
        )
    return stats


@dataclass(frozen=True)
class Bin:
    """Attempts whose score falls in [low, high) percent (the last bin includes 100)."""

    low: int
    high: int
    count: int


def score_distribution(scores: Iterable[tuple[float, int]], bins: int = 10) -> list[Bin]:
    """Histogram of (score, total) pairs in `bins` equal percentage bins."""
    counts = [0] * bins
    for score, total in scores:
        if total > 0:
            # Rounded first: 3 of 5 is exactly 60 %, never 59.999….
            counts[min(math.floor(round(score * bins / total, 9)), bins - 1)] += 1
    width = 100 / bins
    return [Bin(round(i * width), round((i + 1) * width), count) for i, count in enumerate(counts)]


@dataclass(frozen=True)
class Journey:
    """What one learner did in one module (in the period looked at)."""

    opened: bool
    read_any: bool  # read at least one section
    read_all: bool  # read every section
    attempted: bool  # took the self-test
    passed: bool  # passed it


FUNNEL_STAGES = ("opened", "read_any", "read_all", "attempted", "passed")


@dataclass(frozen=True)
class FunnelStage:
    key: str
    count: int
    share_of_start: float | None  # of the learners who opened the module


def completion_funnel(
    journeys: Iterable[Journey], stages: Sequence[str] = FUNNEL_STAGES
) -> list[FunnelStage]:
    """Learners who took each step, all counted among the same learners: those who opened
    the module. A step does not require the ones listed before it (a learner may take the
    self-test without reading), so each count stands on its own and none exceeds the first.
    """
    journeys = [journey for journey in journeys if journey.opened]
    start = len(journeys)
    return [
        FunnelStage(
            key=key,
            count=(count := sum(bool(getattr(journey, key)) for journey in journeys)),
            share_of_start=count / start if start else None,
        )
        for key in stages
    ]


def choose_period(first: datetime | date, last: datetime | date) -> str:
    """Weeks for up to about four months of data, months beyond."""
    return WEEK if (last - first) <= timedelta(days=120) else MONTH


def period_start(when: datetime | date, period: str) -> date:
    """The Monday of the week, or the first day of the month, that `when` falls in."""
    day = when.date() if isinstance(when, datetime) else when
    if period == WEEK:
        return day - timedelta(days=day.weekday())
    if period == MONTH:
        return day.replace(day=1)
    raise ValueError(f"unknown period {period!r}")


@dataclass(frozen=True)
class PeriodMean:
    start: date
    count: int
    mean: float


def ratings_over_time(
    ratings: Iterable[tuple[str, datetime | date, int]], period: str
) -> dict[str, list[PeriodMean]]:
    """Mean rating per series (e.g. a locale) and period, periods in order."""
    grouped: dict[str, dict[date, list[int]]] = defaultdict(lambda: defaultdict(list))
    for series, when, rating in ratings:
        grouped[series][period_start(when, period)].append(rating)
    return {
        series: [
            PeriodMean(start, len(values), sum(values) / len(values))
            for start, values in sorted(periods.items())
        ]
        for series, periods in sorted(grouped.items())
    }
