"""Warnings for self-tests that a test-wise learner could pass without reading.

Classic cues (see the guessing benchmark in tests/bench/bench_guessing.py):
the right option is the longest one; absolute words ("only", "never") appear
in false statements but not in true ones; an option repeats another
question's right answer. Each warning names the file and line to fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from course.model import Module, Question

LONGEST_SHARE_LIMIT = 0.4

# Words that make a statement absolute, per language (lower case). Chinese has no
# spaces, so its words are found anywhere in the text.
ABSOLUTE_WORDS = {
    "en": (
        "only", "always", "never", "every", "all", "none", "enough", "must", "completely",
        "entirely", "alone", "nothing", "everything", "everyone", "nobody", "any",
    ),
    "pl": (
        "tylko", "jedynie", "zawsze", "nigdy", "każdy", "każda", "każde", "wszystkie",
        "wszyscy", "wszystko", "żaden", "żadna", "żadne", "wystarczy", "wystarczająco",
        "całkowicie", "musi", "muszą",
    ),
    "zh": ("只", "仅", "总是", "从不", "从来", "所有", "每个", "一定", "完全", "足够", "必须",
           "任何", "永远"),
    "yo": ("nìkan", "gbogbo", "nígbà gbogbo", "láéláé", "rárá", "pátápátá", "dandan", "tó láti"),
}  # fmt: skip
UNSPACED_LOCALES = ("zh", "ja")


@dataclass(frozen=True)
class LintWarning:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: warning: {self.message}"


def absolute_words(text: str, locale: str) -> list[str]:
    """The absolute words that occur in `text`, in the order of the list."""
    words = ABSOLUTE_WORDS.get(locale.split("-")[0], ABSOLUTE_WORDS["en"])
    lowered = text.casefold()
    if locale.split("-")[0] in UNSPACED_LOCALES:
        return [word for word in words if word in lowered]
    return [word for word in words if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", lowered)]


def correct_is_longest(question: Question) -> bool:
    """Whether the one right option is longer than every other option."""
    right = [o for o in question.options if o.correct]
    if len(right) != 1:
        return False
    others = [len(o.text) for o in question.options if not o.correct]
    return bool(others) and len(right[0].text) > max(others)


def lint_module(module: Module) -> list[LintWarning]:
    quiz = module.quiz
    if quiz is None or quiz.locale != module.locale:  # none, or borrowed from the source
        return []
    warnings: list[LintWarning] = []

    def warn(line: int, message: str) -> None:
        warnings.append(LintWarning(module.path, line, message))

    single = [q for q in quiz.questions if q.kind == "single" and len(q.options) > 2]
    longest = [q for q in single if correct_is_longest(q)]
    if single and len(longest) / len(single) > LONGEST_SHARE_LIMIT:
        warn(
            quiz.line,
            f"the right option is the longest in {len(longest)} of {len(single)} "
            f"single-choice questions (more than {LONGEST_SHARE_LIMIT:.0%}): "
            + ", ".join(q.id for q in longest),
        )
    statements = [q for q in quiz.questions if q.kind == "true-false"]
    true_ones = [q for q in statements if _states_true(q)]
    if not any(absolute_words(q.prompt_text, module.locale) for q in true_ones):
        for question in statements:
            found = absolute_words(question.prompt_text, module.locale)
            if found and not _states_true(question):
                warn(
                    question.line,
                    f"'{question.id}' is false and says '{found[0]}', while no true "
                    "statement uses such a word: absolute words give false statements away",
                )
    right_answers: dict[str, str] = {}
    for question in quiz.questions:
        if question.kind in ("single", "multiple"):
            for option in question.options:
                if option.correct and option.text:
                    right_answers.setdefault(option.text.casefold(), question.id)
    for question in quiz.questions:
        if question.kind not in ("single", "multiple"):
            continue
        for option in question.options:
            owner = right_answers.get(option.text.casefold())
            if owner is not None and owner != question.id:
                warn(
                    question.line,
                    f"'{question.id}' has the option \u201c{option.text}\u201d, which is the "
                    f"right answer of '{owner}': one question answers the other",
                )
    return warnings


def _states_true(question: Question) -> bool:
    """A true/false question's first option is True, as the syntax writes it."""
    return question.options[0].correct


def lint_course(modules: list[Module]) -> list[LintWarning]:
    """Warnings for every module given, in order."""
    return [warning for module in modules for warning in lint_module(module)]
