"""What a module *is*: immutable dataclasses built by the loader.

The long texts of a module (each section's HTML, speech and Markdown, and the
self-test's questions) sit in a `SectionText` and a `QuizBody`. A parsed module
kept on disk (see `course.parse_cache`) is served with stand-ins for them that
read the texts back only when a page needs them, so a process holds the outline
of a course of any size and the texts of the modules in use.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from course.errors import ContentError
from course.references import Reference

QUESTION_KINDS = ("single", "multiple", "true-false", "ordering", "matching")
CHOICE_KINDS = ("single", "multiple", "true-false")  # answered by ticking options
ITEM_KINDS = ("ordering", "matching")  # answered item by item, graded per item

# How a part of a translated module compares with its source (the source itself is
# always "translated"): made from the current source, made from an earlier one, or
# not in the translation at all (then the source's text is served in its place).
TRANSLATED, OUTDATED, MISSING = "translated", "outdated", "missing"
META_PART = "_meta"  # the front matter's texts (title, outcomes, …) as one translatable part


@dataclass(frozen=True, slots=True)
class Option:
    """One answer option; `key` (a, b, c…) is the same in every locale.

    In an ordering question the options are the items in their right order; in a
    matching question each option is a pair, `html` on the left and `match_html`
    the answer that belongs to it.
    """

    key: str
    html: str
    correct: bool
    match_html: str = ""
    text: str = ""  # the option as plain text, for checks on its wording


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    outcome: str
    kind: str
    prompt_html: str
    options: tuple[Option, ...]
    explanation_html: str
    line: int
    prompt_text: str = ""

    @property
    def correct_keys(self) -> frozenset[str]:
        return frozenset(option.key for option in self.options if option.correct)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(option.key for option in self.options)

    @property
    def graded_per_item(self) -> bool:
        return self.kind in ITEM_KINDS

    def option(self, key: str) -> Option | None:
        return next((o for o in self.options if o.key == key), None)

    @property
    def answer_shape(self) -> tuple:
        """What a translation of a question must keep: the same answer key in every language."""
        return self.kind, self.outcome, self.keys, tuple(sorted(self.correct_keys))


@dataclass(frozen=True, slots=True)
class QuizBody:
    """The self-test's questions and its Markdown."""

    questions: tuple[Question, ...]
    markdown: str = field(default="", repr=False)


def shape_digest(questions: tuple[Question, ...]) -> str:
    """One hash of every question's id and answer shape: equal digests, equal answer keys."""
    shapes = repr([(q.id, *q.answer_shape) for q in questions]).encode()
    return hashlib.sha1(shapes, usedforsecurity=False).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Quiz:
    id: str
    title: str
    body: QuizBody = field(repr=False, compare=False)
    question_ids: tuple[str, ...] = ()
    shape: str = ""  # shape_digest of its questions
    line: int = 0
    hash: str = ""  # of its Markdown, as for a section
    locale: str = ""  # the language of its text: the source's when borrowed
    state: str = TRANSLATED

    @classmethod
    def of(cls, quiz_id: str, title: str, questions: tuple[Question, ...], **fields) -> Quiz:
        return cls(
            quiz_id, title, QuizBody(questions), tuple(q.id for q in questions),
            shape_digest(questions), **fields,
        )  # fmt: skip

    @property
    def questions(self) -> tuple[Question, ...]:
        return self.body.questions

    @property
    def markdown(self) -> str:
        return self.body.markdown

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)


@dataclass(frozen=True, slots=True)
class SectionText:
    """A section's HTML, its text as read aloud, and its Markdown."""

    html: str
    speech_text: str
    markdown: str = field(default="", repr=False)


@dataclass(frozen=True, slots=True)
class Section:
    id: str
    title: str
    text: SectionText = field(repr=False, compare=False)
    line: int
    hash: str = ""  # of its Markdown: what a translation records in `source_hashes`
    locale: str = ""  # the language of its text: the source's when borrowed
    state: str = TRANSLATED
    words: int = 0  # of its text, to judge how long reading it takes

    @property
    def html(self) -> str:
        return self.text.html

    @property
    def speech_text(self) -> str:
        return self.text.speech_text

    @property
    def markdown(self) -> str:
        return self.text.markdown


@dataclass(frozen=True, slots=True)
class ModuleTexts:
    """The front matter's translatable texts as YAML (what translators' diffs show)."""

    meta_text: str = ""


@dataclass(frozen=True, slots=True)
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
    references: tuple[Reference, ...]  # the bibliography
    sections: tuple[Section, ...]
    quiz: Quiz | None
    path: Path
    content_hash: str
    source_hash: str | None = None
    untranslated: bool = False
    meta_hash: str = ""  # of the front matter's translatable texts
    texts: ModuleTexts = field(default=ModuleTexts(), repr=False, compare=False)
    slug_line: int = 2
    meta_state: str = TRANSLATED
    source_hashes: dict[str, str] = field(default_factory=dict, repr=False)
    stale: bool = False  # served from its last good version: the file has a problem now
    problem: ContentError | None = field(default=None, repr=False, compare=False)
    # Problems in a file that still loads: a broken diagram, left out of its section.
    problems: tuple[ContentError, ...] = field(default=(), repr=False, compare=False)

    @property
    def meta_text(self) -> str:
        return self.texts.meta_text

    def _parts(self) -> list[tuple[str, str, str]]:
        """(id, hash, state) of each translatable part: front matter, sections, self-test."""
        parts = [(META_PART, self.meta_hash, self.meta_state)]
        parts += [(s.id, s.hash, s.state) for s in self.sections]
        if self.quiz is not None:
            parts.append((self.quiz.id, self.quiz.hash, self.quiz.state))
        return parts

    @property
    def part_hashes(self) -> dict[str, str]:
        return {part: hash_ for part, hash_, _ in self._parts()}

    @property
    def part_states(self) -> dict[str, str]:
        return {part: state for part, _, state in self._parts()}

    @property
    def translation_state(self) -> str:
        """translated when every part is; missing when nothing is; else outdated."""
        states = set(self.part_states.values())
        if states == {TRANSLATED}:
            return TRANSLATED
        if states == {MISSING}:
            return MISSING
        return OUTDATED

    @property
    def section_ids(self) -> tuple[str, ...]:
        return tuple(section.id for section in self.sections)

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)
