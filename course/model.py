"""What a module *is*: immutable dataclasses built by the loader."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

QUESTION_KINDS = ("single", "multiple", "true-false")


@dataclass(frozen=True)
class Option:
    """One answer option; `key` (a, b, c…) is the same in every locale."""

    key: str
    html: str
    correct: bool


@dataclass(frozen=True)
class Question:
    id: str
    outcome: str
    kind: str
    prompt_html: str
    options: tuple[Option, ...]
    explanation_html: str
    line: int

    @property
    def correct_keys(self) -> frozenset[str]:
        return frozenset(option.key for option in self.options if option.correct)


@dataclass(frozen=True)
class Quiz:
    id: str
    title: str
    questions: tuple[Question, ...]

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    html: str
    speech_text: str
    line: int


@dataclass(frozen=True)
class Module:
    slug: str
    locale: str
    title: str
    order: int
    eqf: str
    duration_minutes: int
    description: str
    keywords: tuple[str, ...]
    outcomes: dict[str, str]
    key_points_html: tuple[str, ...]
    bibliography_html: tuple[str, ...]
    sections: tuple[Section, ...]
    quiz: Quiz | None
    path: Path
    content_hash: str
    source_hash: str | None = None
    untranslated: bool = False
    speech_text: str = field(default="", repr=False)

    @property
    def section_ids(self) -> tuple[str, ...]:
        return tuple(section.id for section in self.sections)

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)
