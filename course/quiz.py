"""Self-tests: the Markdown question syntax, and grading answers into a result.

A question is a `###` heading with `{#id outcome=… type=…}`, a task list of
options (`- [x]` marks a correct one) and a block quote explaining the answer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from course.errors import ContentError
from course.markdown import render, render_inline, split_heading
from course.model import QUESTION_KINDS, Option, Question, Quiz
from course.progress import passes, score_ratio

QUESTION_HEADING = re.compile(r"^###\s+(?P<text>.+)$")
OPTION = re.compile(r"^[-*]\s+\[(?P<mark>[ xX])\]\s+(?P<text>.+)$")
EXPLANATION = re.compile(r"^>\s?(?P<text>.*)$")
OPTION_KEYS = "abcdefghijklmnopqrstuvwxyz"


@dataclass
class _Draft:
    text: str
    attrs: dict[str, str]
    line: int
    prompt: list[str]
    options: list[tuple[bool, str]]
    explanation: list[str]


def parse_quiz(
    quiz_id: str,
    title: str,
    lines: Sequence[str],
    first_line: int,
    path: Path,
    outcomes: Mapping[str, str],
) -> Quiz:
    """Parse the lines of a quiz section; `first_line` is the file line of `lines[0]`."""
    drafts: list[_Draft] = []
    for number, raw in enumerate(lines, start=first_line):
        line = raw.rstrip()
        if heading := QUESTION_HEADING.match(line):
            text, attrs, _ = split_heading(heading["text"])
            drafts.append(_Draft(text, attrs, number, [], [], []))
        elif not line.strip():
            continue
        elif not drafts:
            raise ContentError(path, number, "text before the first question (### heading)")
        elif option := OPTION.match(line.strip()):
            drafts[-1].options.append((option["mark"] != " ", option["text"]))
        elif explanation := EXPLANATION.match(line.strip()):
            drafts[-1].explanation.append(explanation["text"])
        elif drafts[-1].options:
            raise ContentError(path, number, "unexpected text after the options of a question")
        else:
            drafts[-1].prompt.append(line)
    if not drafts:
        raise ContentError(path, first_line - 1, "the self-test has no questions")
    questions: list[Question] = []
    seen: set[str] = set()
    for draft in drafts:
        question = _build_question(draft, path, outcomes)
        if question.id in seen:
            raise ContentError(path, draft.line, f"duplicate question id '{question.id}'")
        seen.add(question.id)
        questions.append(question)
    return Quiz(id=quiz_id, title=title, questions=tuple(questions))


def _build_question(draft: _Draft, path: Path, outcomes: Mapping[str, str]) -> Question:
    def fail(message: str) -> ContentError:
        return ContentError(path, draft.line, message)

    question_id = draft.attrs.get("id")
    if not question_id:
        raise fail("question has no id: end its heading with {#q-… outcome=…}")
    outcome = draft.attrs.get("outcome")
    if not outcome:
        raise fail(f"question '{question_id}' names no outcome (outcome=…)")
    if outcome not in outcomes:
        known = ", ".join(outcomes) or "none"
        raise fail(
            f"question '{question_id}' assesses unknown outcome '{outcome}' (known: {known})"
        )
    if len(draft.options) < 2:
        raise fail(f"question '{question_id}' needs at least two options")
    correct_count = sum(correct for correct, _ in draft.options)
    if correct_count == 0:
        raise fail(f"question '{question_id}' has no correct answer (mark one with [x])")
    kind = draft.attrs.get("type") or ("multiple" if correct_count > 1 else "single")
    if kind not in QUESTION_KINDS:
        raise fail(f"question '{question_id}' has unknown type '{kind}'")
    if kind in ("single", "true-false") and correct_count > 1:
        raise fail(f"{kind} question '{question_id}' has {correct_count} correct answers")
    if kind == "true-false" and len(draft.options) != 2:
        raise fail(f"true/false question '{question_id}' needs exactly two options")
    if not "".join(draft.explanation).strip():
        raise fail(f"question '{question_id}' has no explanation (a '> …' block quote)")
    prompt = " ".join([draft.text, *draft.prompt]) if draft.prompt else draft.text
    return Question(
        id=question_id,
        outcome=outcome,
        kind=kind,
        prompt_html=render_inline(prompt),
        options=tuple(
            Option(key=OPTION_KEYS[index], html=render_inline(text), correct=correct)
            for index, (correct, text) in enumerate(draft.options)
        ),
        explanation_html=render("\n".join(draft.explanation)),
        line=draft.line,
    )


@dataclass(frozen=True)
class QuestionResult:
    question: Question
    chosen: frozenset[str]

    @property
    def answered(self) -> bool:
        return bool(self.chosen)

    @property
    def correct(self) -> bool:
        return self.chosen == self.question.correct_keys


@dataclass(frozen=True)
class QuizResult:
    quiz: Quiz
    questions: tuple[QuestionResult, ...]
    pass_threshold: float

    @property
    def score(self) -> int:
        return sum(result.correct for result in self.questions)

    @property
    def total(self) -> int:
        return len(self.questions)

    @property
    def ratio(self) -> float:
        return score_ratio(self.score, self.total)

    @property
    def passed(self) -> bool:
        return passes(self.ratio, self.pass_threshold)

    def answers(self) -> dict[str, list[str]]:
        """The chosen option keys per question, in a form fit for storage."""
        return {r.question.id: sorted(r.chosen) for r in self.questions}


def grade(
    quiz: Quiz, answers: Mapping[str, Sequence[str]], pass_threshold: float = 0.7
) -> QuizResult:
    """Grade chosen option keys per question id; unknown keys count as not chosen."""
    results = []
    for question in quiz.questions:
        valid = {option.key for option in question.options}
        chosen = frozenset(key for key in answers.get(question.id, ()) if key in valid)
        if question.kind != "multiple" and len(chosen) > 1:
            chosen = frozenset()  # a forged form cannot tick every radio button
        results.append(QuestionResult(question=question, chosen=chosen))
    return QuizResult(quiz=quiz, questions=tuple(results), pass_threshold=pass_threshold)
