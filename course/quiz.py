"""Self-tests: the Markdown question syntax, drawing an attempt, and grading it.

A question is a `###` heading with `{#id outcome=… type=…}`, its options and a
block quote explaining the answer. Options are a task list (`- [x]` marks a
correct one) for single, multiple and true/false questions; the items in their
right order (`1. …`) for an ordering question; pairs (`- left => right`) for a
matching question. A module's questions form a bank: each attempt draws some
of them (see `draw`), every outcome at least a few times, in a random order and
with shuffled options.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from course.errors import ContentError
from course.markdown import plain_text, render, render_inline, split_heading
from course.model import CHOICE_KINDS, QUESTION_KINDS, Option, Question, Quiz
from course.progress import passes, score_ratio

QUESTION_HEADING = re.compile(r"^###\s+(?P<text>.+)$")
OPTION = re.compile(r"^[-*]\s+\[(?P<mark>[ xX])\]\s+(?P<text>.+)$")
ITEM = re.compile(r"^\d+[.)]\s+(?P<text>.+)$")
PAIR = re.compile(r"^[-*]\s+(?P<left>.+?)\s+=>\s+(?P<right>.+)$")
EXPLANATION = re.compile(r"^>\s?(?P<text>.*)$")
OPTION_KEYS = "abcdefghijklmnopqrstuvwxyz"
MIN_ITEMS, MAX_ITEMS = 3, 8  # of an ordering or matching question


@dataclass
class _Draft:
    text: str
    attrs: dict[str, str]
    line: int
    prompt: list[str]
    options: list[tuple[bool, str]]  # (correct, text) of a choice option
    items: list[str]  # of an ordering question, in their right order
    pairs: list[tuple[str, str]]  # of a matching question
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
        stripped = line.strip()
        if heading := QUESTION_HEADING.match(line):
            text, attrs, _ = split_heading(heading["text"])
            drafts.append(_Draft(text, attrs, number, [], [], [], [], []))
        elif not stripped:
            continue
        elif not drafts:
            raise ContentError(path, number, "text before the first question (### heading)")
        elif option := OPTION.match(stripped):
            drafts[-1].options.append((option["mark"] != " ", option["text"]))
        elif item := ITEM.match(stripped):
            drafts[-1].items.append(item["text"])
        elif pair := PAIR.match(stripped):
            drafts[-1].pairs.append((pair["left"], pair["right"]))
        elif explanation := EXPLANATION.match(stripped):
            drafts[-1].explanation.append(explanation["text"])
        elif drafts[-1].options or drafts[-1].items or drafts[-1].pairs:
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
            raise ContentError(path, draft.line, "duplicate question id '%(id)s'", id=question.id)
        seen.add(question.id)
        questions.append(question)
    return Quiz.of(quiz_id, title, tuple(questions))


def _build_question(draft: _Draft, path: Path, outcomes: Mapping[str, str]) -> Question:
    def fail(message: str, /, **params: object) -> ContentError:
        return ContentError(path, draft.line, message, **params)

    question_id = draft.attrs.get("id")
    if not question_id:
        raise fail("question has no id: end its heading with {#q-… outcome=…}")
    outcome = draft.attrs.get("outcome")
    if not outcome:
        raise fail("question '%(id)s' names no outcome (outcome=…)", id=question_id)
    if outcome not in outcomes:
        known = ", ".join(outcomes) or "none"
        raise fail(
            "question '%(id)s' assesses unknown outcome '%(outcome)s' (known: %(known)s)",
            id=question_id,
            outcome=outcome,
            known=known,
        )
    kind = draft.attrs.get("type") or _implied_kind(draft)
    if kind not in QUESTION_KINDS:
        raise fail("question '%(id)s' has unknown type '%(kind)s'", id=question_id, kind=kind)
    if kind in CHOICE_KINDS:
        options = _choice_options(draft, kind, question_id, fail)
    elif kind == "ordering":
        options = _ordering_items(draft, question_id, fail)
    else:
        options = _matching_pairs(draft, question_id, fail)
    if not "".join(draft.explanation).strip():
        raise fail("question '%(id)s' has no explanation (a '> …' block quote)", id=question_id)
    prompt = " ".join([draft.text, *draft.prompt]) if draft.prompt else draft.text
    prompt_html = render_inline(prompt)
    return Question(
        id=question_id,
        outcome=outcome,
        kind=kind,
        prompt_html=prompt_html,
        options=options,
        explanation_html=render("\n".join(draft.explanation)),
        line=draft.line,
        prompt_text=plain_text(prompt_html),
    )


def _implied_kind(draft: _Draft) -> str:
    if draft.items:
        return "ordering"
    if draft.pairs:
        return "matching"
    return "multiple" if sum(correct for correct, _ in draft.options) > 1 else "single"


def _option(index: int, text: str, correct: bool, match: str = "") -> Option:
    html = render_inline(text)
    match_html = render_inline(match) if match else ""
    return Option(OPTION_KEYS[index], html, correct, match_html, plain_text(html))


def _choice_options(draft: _Draft, kind: str, question_id: str, fail) -> tuple[Option, ...]:
    if draft.items or draft.pairs:
        raise fail(
            "%(kind)s question '%(id)s' takes options '- [ ] …', not items or pairs",
            kind=kind,
            id=question_id,
        )
    if len(draft.options) < 2:
        raise fail("question '%(id)s' needs at least two options", id=question_id)
    if len(draft.options) > len(OPTION_KEYS):
        raise fail(
            "question '%(id)s' has more than %(count)d options",
            id=question_id,
            count=len(OPTION_KEYS),
        )
    correct_count = sum(correct for correct, _ in draft.options)
    if correct_count == 0:
        raise fail("question '%(id)s' has no correct answer (mark one with [x])", id=question_id)
    if kind in ("single", "true-false") and correct_count > 1:
        raise fail(
            "%(kind)s question '%(id)s' has %(count)d correct answers",
            kind=kind,
            id=question_id,
            count=correct_count,
        )
    if kind == "true-false" and len(draft.options) != 2:
        raise fail("true/false question '%(id)s' needs exactly two options", id=question_id)
    return tuple(_option(i, text, correct) for i, (correct, text) in enumerate(draft.options))


def _ordering_items(draft: _Draft, question_id: str, fail) -> tuple[Option, ...]:
    if draft.options or draft.pairs:
        raise fail(
            "ordering question '%(id)s' takes its items as a numbered list "
            "in their right order (1. …), not options or pairs",
            id=question_id,
        )
    if not MIN_ITEMS <= len(draft.items) <= MAX_ITEMS:
        raise fail(
            "ordering question '%(id)s' needs %(low)d to %(high)d items, it has %(count)d",
            id=question_id,
            low=MIN_ITEMS,
            high=MAX_ITEMS,
            count=len(draft.items),
        )
    if len({text.casefold() for text in draft.items}) < len(draft.items):
        raise fail("ordering question '%(id)s' has two items with the same text", id=question_id)
    return tuple(_option(i, text, True) for i, text in enumerate(draft.items))


def _matching_pairs(draft: _Draft, question_id: str, fail) -> tuple[Option, ...]:
    if draft.options or draft.items:
        raise fail(
            "matching question '%(id)s' takes pairs '- left => right', not options or items",
            id=question_id,
        )
    if not MIN_ITEMS <= len(draft.pairs) <= MAX_ITEMS:
        raise fail(
            "matching question '%(id)s' needs %(low)d to %(high)d pairs, it has %(count)d",
            id=question_id,
            low=MIN_ITEMS,
            high=MAX_ITEMS,
            count=len(draft.pairs),
        )
    if len({right.casefold() for _, right in draft.pairs}) < len(draft.pairs):
        raise fail("matching question '%(id)s' has two pairs with the same answer", id=question_id)
    return tuple(_option(i, left, True, right) for i, (left, right) in enumerate(draft.pairs))


# --- drawing an attempt ------------------------------------------------------


@dataclass(frozen=True)
class DrawnQuestion:
    """A question as one attempt shows it: its options (answers, for matching) in this order."""

    id: str
    order: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "order": list(self.order)}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> DrawnQuestion:
        return cls(str(data["id"]), tuple(str(key) for key in data["order"]))  # type: ignore[union-attr]


# A draw's mix of kinds. A guesser wins a true/false question half the time and a
# single-choice one a quarter of the time, but rarely a multiple-choice one (all or
# nothing) and only a share of an item-graded one, so an attempt holds at most one of the
# first and a few of the last, where the bank allows (drawn again until it does, at most
# DRAW_TRIES times): blind luck then passes about once in ten thousand attempts.
MAX_TRUE_FALSE, MIN_MULTIPLE, MIN_ITEM_GRADED, DRAW_TRIES = 1, 2, 2, 200


def draw(
    quiz: Quiz, rng: random.Random, size: int = 10, per_outcome: int = 2
) -> tuple[DrawnQuestion, ...]:
    """Draw `size` questions, each outcome at least `per_outcome` times where the bank allows.

    The questions come in a random order, and so do their options, except the
    True/False pair; an ordering or matching question never starts solved.
    """
    chosen = _draw_questions(quiz, rng, size, per_outcome)
    for _ in range(DRAW_TRIES):
        if _balanced(quiz, chosen, size):
            break
        chosen = _draw_questions(quiz, rng, size, per_outcome)
    return tuple(DrawnQuestion(q.id, _shuffled_keys(q, rng)) for q in chosen)


def _draw_questions(quiz: Quiz, rng: random.Random, size: int, per_outcome: int) -> list[Question]:
    by_outcome: dict[str, list[Question]] = {}
    for question in quiz.questions:
        by_outcome.setdefault(question.outcome, []).append(question)
    chosen: list[Question] = []
    for questions in by_outcome.values():
        chosen += rng.sample(questions, min(per_outcome, len(questions)))
    rest = [q for q in quiz.questions if q not in chosen]
    rng.shuffle(rest)
    chosen = chosen[:size] if len(chosen) > size else chosen + rest[: size - len(chosen)]
    rng.shuffle(chosen)
    return chosen


def _balanced(quiz: Quiz, chosen: list[Question], size: int) -> bool:
    """Whether a draw has the mix of kinds wanted, as far as the bank can give it."""
    if len(chosen) >= len(quiz.questions):
        return True

    def enough(test, least: int) -> bool:
        available = sum(map(test, quiz.questions))
        return sum(map(test, chosen)) >= min(least, available)

    true_false = sum(q.kind == "true-false" for q in chosen)
    return (
        true_false <= MAX_TRUE_FALSE
        and enough(lambda q: q.kind == "multiple", MIN_MULTIPLE)
        and enough(lambda q: q.graded_per_item, MIN_ITEM_GRADED)
    )


def print_order(question: Question) -> tuple[str, ...]:
    """The options in the order a printed self-test shows them: shuffled, but the same on
    every build (seeded by the question id), so paper gives no answer away either."""
    return _shuffled_keys(question, random.Random(question.id))


def _shuffled_keys(question: Question, rng: random.Random) -> tuple[str, ...]:
    keys = list(question.keys)
    if question.kind == "true-false":
        return tuple(keys)
    rng.shuffle(keys)
    if question.graded_per_item and keys == list(question.keys):
        keys = keys[1:] + keys[:1]  # shown in the right order, it would answer itself
    return tuple(keys)


# --- answers -----------------------------------------------------------------
#
# An answer is stored per question as a list of strings, in a form that does
# not depend on how the attempt showed the question:
#   single, multiple, true/false: the option keys chosen, sorted;
#   ordering: the position (1, 2, …) given to each item, in key order;
#   matching: the key of the answer chosen for each left-hand item, in key order.
# An item left without a position or an answer is "".


def read_answers(
    quiz: Quiz, drawn: Sequence[DrawnQuestion], form: Mapping[str, Sequence[str]]
) -> dict[str, list[str]]:
    """Answers from a submitted form, which names options by their place on the page.

    A choice question's field is its id, with the places (1, 2, …) of the options
    ticked. An ordering question has a field `<id>.<place>` per item giving the
    position chosen for it; a matching question a field `<id>.<n>` per left-hand
    item giving the place of the answer chosen. Anything else is ignored.
    """
    answers: dict[str, list[str]] = {}
    for shown in drawn:
        question = quiz.question(shown.id)
        if question is None:
            continue
        by_place = dict(enumerate(shown.order, start=1))
        if question.kind in CHOICE_KINDS:
            places = {_number(value) for value in form.get(shown.id, ())}
            answers[shown.id] = sorted(by_place[p] for p in places if p in by_place)
        elif question.kind == "ordering":
            positions = {key: "" for key in question.keys}
            for place, key in by_place.items():
                position = _number(_first(form.get(f"{shown.id}.{place}", ())))
                positions[key] = str(position) if 1 <= position <= len(by_place) else ""
            answers[shown.id] = [positions[key] for key in question.keys]
        else:
            answers[shown.id] = [
                by_place.get(_number(_first(form.get(f"{shown.id}.{index}", ()))), "")
                for index in range(1, len(question.keys) + 1)
            ]
    return answers


def _first(values: Sequence[str]) -> str:
    return values[0] if values else ""


def _number(value: str) -> int:
    return int(value) if value.isdigit() and len(value) < 4 else 0


def form_values(
    question: Question, shown: DrawnQuestion, answer: Sequence[str]
) -> dict[str, object]:
    """What the form showed for `answer`: the inverse of `read_answers`, for one question.

    Choice: the set of places ticked. Ordering: place → position chosen.
    Matching: left-hand item number → place of the answer chosen.
    """
    place_of = {key: place for place, key in enumerate(shown.order, start=1)}
    if question.kind in CHOICE_KINDS:
        return {"ticked": {place_of[key] for key in answer if key in place_of}}
    values = list(answer) + [""] * (len(question.keys) - len(answer))
    if question.kind == "ordering":
        return {
            "chosen": {
                place_of[key]: int(value)
                for key, value in zip(question.keys, values, strict=False)
                if value.isdigit() and key in place_of
            }
        }
    return {
        "chosen": {
            index: place_of[key] for index, key in enumerate(values, start=1) if key in place_of
        }
    }


def is_answered(question: Question, answer: Sequence[str]) -> bool:
    """Every item has a position or an answer; a choice question has something ticked."""
    if question.kind in CHOICE_KINDS:
        return bool(answer)
    return len(answer) == len(question.keys) and all(answer)


def item_marks(question: Question, answer: Sequence[str]) -> tuple[bool, ...]:
    """For an ordering or matching question, whether each item (in key order) is right."""
    values = list(answer) + [""] * (len(question.keys) - len(answer))
    if question.kind == "ordering":
        return tuple(values[i] == str(i + 1) for i in range(len(question.keys)))
    return tuple(values[i] == key for i, key in enumerate(question.keys))


def points(question: Question, answer: Sequence[str]) -> float:
    """The share of one point an answer earns: all or nothing for a choice question,
    a share per item for ordering and matching."""
    if question.graded_per_item:
        marks = item_marks(question, answer)
        return sum(marks) / len(marks)
    return 1.0 if frozenset(answer) == question.correct_keys else 0.0


# --- grading ------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionResult:
    question: Question
    answer: tuple[str, ...]
    shown: DrawnQuestion

    @property
    def chosen(self) -> frozenset[str]:
        """The option keys ticked, for a choice question."""
        return frozenset(self.answer) if not self.question.graded_per_item else frozenset()

    @property
    def answered(self) -> bool:
        return is_answered(self.question, self.answer)

    @property
    def points(self) -> float:
        return points(self.question, self.answer)

    @property
    def correct(self) -> bool:
        return self.points == 1.0

    @property
    def partly_correct(self) -> bool:
        return 0.0 < self.points < 1.0

    @property
    def marks(self) -> tuple[bool, ...]:
        return item_marks(self.question, self.answer) if self.question.graded_per_item else ()

    @property
    def values(self) -> dict[str, object]:
        return form_values(self.question, self.shown, self.answer)

    @property
    def shown_options(self) -> list[Option]:
        """The options (answers, for matching) in the order this attempt showed them."""
        return [option for key in self.shown.order if (option := self.question.option(key))]


@dataclass(frozen=True)
class QuizResult:
    quiz: Quiz
    questions: tuple[QuestionResult, ...]
    pass_threshold: float

    @property
    def score(self) -> float:
        """Points earned, one per question at most (rounded to hundredths)."""
        return round(sum(result.points for result in self.questions), 2)

    @property
    def total(self) -> int:
        return len(self.questions)

    @property
    def ratio(self) -> float:
        return score_ratio(self.score, self.total)

    @property
    def passed(self) -> bool:
        return passes(self.ratio, self.pass_threshold)

    @property
    def unanswered(self) -> tuple[QuestionResult, ...]:
        return tuple(result for result in self.questions if not result.answered)

    def answers(self) -> dict[str, list[str]]:
        """The answer to each question, in a form fit for storage."""
        return {r.question.id: list(r.answer) for r in self.questions}

    def drawn(self) -> list[dict[str, object]]:
        return [r.shown.to_json() for r in self.questions]


def in_source_order(quiz: Quiz) -> tuple[DrawnQuestion, ...]:
    """Every question with its options as written."""
    return tuple(DrawnQuestion(q.id, q.keys) for q in quiz.questions)


def recorded_draw(
    quiz: Quiz, stored: Sequence[Mapping[str, object]] | None, answers: Mapping[str, object]
) -> tuple[DrawnQuestion, ...]:
    """The questions a stored attempt showed: its draw, or, for an attempt made before
    self-tests were drawn, every question it answered, as written."""
    if stored:
        return tuple(DrawnQuestion.from_json(item) for item in stored)
    return tuple(DrawnQuestion(q.id, q.keys) for q in quiz.questions if q.id in answers)


def grade(
    quiz: Quiz,
    answers: Mapping[str, Sequence[str]],
    pass_threshold: float = 0.7,
    drawn: Sequence[DrawnQuestion] | None = None,
) -> QuizResult:
    """Grade stored answers over the questions drawn (all of them, in order, by default).

    A drawn question no longer in the quiz is left out; values that name no
    option count as not given.
    """
    results = []
    for shown in drawn if drawn is not None else in_source_order(quiz):
        question = quiz.question(shown.id)
        if question is None:
            continue
        results.append(
            QuestionResult(question, _valid(question, answers.get(question.id, ())), shown)
        )
    return QuizResult(quiz=quiz, questions=tuple(results), pass_threshold=pass_threshold)


def _valid(question: Question, answer: Sequence[str]) -> tuple[str, ...]:
    keys = question.keys
    values = [str(value) for value in answer][: len(keys)]
    if question.kind == "ordering":
        positions = {str(n) for n in range(1, len(keys) + 1)}
        return tuple(value if value in positions else "" for value in values)
    if question.kind == "matching":
        return tuple(value if value in keys else "" for value in values)
    chosen = sorted({value for value in values if value in keys})
    if question.kind != "multiple" and len(chosen) > 1:
        return ()  # a forged form cannot tick every radio button
    return tuple(chosen)
