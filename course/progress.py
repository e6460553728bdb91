"""When a self-test is passed and a module completed: the one home of those rules.

The web app's progress page, its certificates and its analytics all judge a
learner with these classes and functions, so the rules cannot drift apart.
A learner's record is judged against the module as it is now: a section added
since they read the module is a section still to read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from course.model import Module, Section

# Faster than anyone reads with understanding: a section closed sooner was not read.
MAX_WORDS_PER_MINUTE = 1000


def reading_seconds(section: Section, words_per_minute: float = MAX_WORDS_PER_MINUTE) -> int:
    """The least time a section must be open before it can count as read."""
    return math.ceil(round(section.words * 60 / words_per_minute, 3))


def seconds_left_to_read(
    section: Section,
    opened_at: datetime,
    now: datetime,
    words_per_minute: float = MAX_WORDS_PER_MINUTE,
) -> int:
    """0 when a section opened at `opened_at` may count as read at `now`; else the
    seconds still to wait."""
    least = reading_seconds(section, words_per_minute)
    return max(0, math.ceil(least - (now - opened_at).total_seconds()))


def score_ratio(score: float, total: int) -> float:
    """The share of a self-test answered correctly (0 for an empty one)."""
    return score / total if total else 0.0


def passes(ratio: float, pass_threshold: float) -> bool:
    """Whether a score ratio reaches the course's pass mark."""
    return ratio >= pass_threshold


@dataclass(frozen=True)
class Score:
    """One graded attempt: its score (points, partly earned ones included) and when it was sent."""

    score: float
    total: int
    submitted_at: datetime
    attempt_id: int

    @property
    def ratio(self) -> float:
        return score_ratio(self.score, self.total)

    @property
    def percent(self) -> int:
        return round(100 * self.score / self.total) if self.total else 0


@dataclass
class QuizScores:
    """Every attempt at one module's self-test, with the best and the last."""

    scores: list[Score] = field(default_factory=list)
    best: Score | None = None
    last: Score | None = None

    @property
    def attempts(self) -> int:
        return len(self.scores)

    def add(self, score: Score) -> None:
        self.scores.append(score)
        if self.best is None or score.ratio > self.best.ratio:
            self.best = score
        if self.last is None or (score.submitted_at, score.attempt_id) >= (
            self.last.submitted_at,
            self.last.attempt_id,
        ):
            self.last = score

    def first_pass(self, pass_threshold: float) -> datetime | None:
        """When an attempt first reached the pass mark, if one has."""
        return min(
            (s.submitted_at for s in self.scores if passes(s.ratio, pass_threshold)),
            default=None,
        )


def quiz_passed(module: Module, best_ratio: float | None, pass_threshold: float) -> bool:
    """A module without a self-test has nothing to pass; otherwise the best attempt counts."""
    if module.quiz is None:
        return True
    return best_ratio is not None and passes(best_ratio, pass_threshold)


@dataclass
class ModuleProgress:
    """A learner's progress in one module, judged against the current content."""

    module: Module
    pass_threshold: float
    opened: set[str] = field(default_factory=set)
    read: dict[str, datetime] = field(default_factory=dict)  # section id -> when read
    listened: set[str] = field(default_factory=set)
    audio_listened: bool = False
    last_section: str | None = None
    updated_at: datetime | None = None
    quiz: QuizScores = field(default_factory=QuizScores)

    @property
    def sections_total(self) -> int:
        return len(self.module.sections)

    @property
    def sections_read(self) -> int:
        return sum(section.id in self.read for section in self.module.sections)

    @property
    def next_section(self) -> str | None:
        """The first section not read yet: where the learner should continue."""
        return next((s.id for s in self.module.sections if s.id not in self.read), None)

    @property
    def quiz_passed(self) -> bool:
        best = self.quiz.best
        return quiz_passed(self.module, best.ratio if best else None, self.pass_threshold)

    @property
    def completed(self) -> bool:
        return self.sections_read == self.sections_total and self.quiz_passed

    @property
    def started(self) -> bool:
        return self.updated_at is not None or self.quiz.attempts > 0

    @property
    def completed_at(self) -> datetime | None:
        """When the module became completed: its last section read or its first pass."""
        if not self.completed:
            return None
        moments = [self.read[s.id] for s in self.module.sections]
        if self.module.quiz is not None:
            moments.append(self.quiz.first_pass(self.pass_threshold))
        return max((m for m in moments if m is not None), default=None)


def all_completed(entries: list[ModuleProgress]) -> bool:
    """True when there is something to complete and all of it is."""
    return bool(entries) and all(entry.completed for entry in entries)
