"""Benchmark: what a learner who never reads the module scores by test-taking tricks.

Run: python -m tests.bench.bench_guessing [--attempts 500] [--seed 1]

For every module and locale of the shipped course, each strategy below takes
`--attempts` self-tests, each a fresh draw as the site makes it (questions and
options shuffled), and answers from the wording alone:

- longest: the longest option (for multiple choice, every option at least as
  long as the median);
- absolute: a statement with an absolute word ("only", "never") is false, one
  without is true; options with such words are avoided;
- echo: the option that repeats most words of the question (for matching, the
  answer sharing most words with the item);
- above: "all of the above" when it is offered;
- middle: the middle option, the classic "when in doubt, pick C";
- test-wise: all of them in turn, as a practised guesser would.

Ordering questions are left in the order shown. It prints the mean and best
score of each and whether any attempt reached the pass mark. The goal: every
mean below half the pass mark, and no attempt passes. Exit status 1 if not.
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
from collections.abc import Callable, Sequence

from course import load_course
from course.markdown import WORD
from course.model import Question
from course.quiz import DrawnQuestion, draw, grade
from course.quiz_lint import absolute_words
from tests.conftest import REAL_CONTENT

ALL_OF_THE_ABOVE = {
    "en": ("all of the above", "both of the above"),
    "pl": ("wszystkie powyższe", "wszystkie odpowiedzi"),
    "zh": ("以上都", "以上全部", "以上皆"),
    "yo": ("gbogbo èyí tí ó wà lókè", "gbogbo ìdáhùn"),
}
STOP_LENGTH = 4  # shorter words (the, and, of) say nothing about the answer


class Guesser:
    """Answers one drawn question from its wording, with the cues of one strategy."""

    def __init__(self, locale: str, cues: Sequence[str]) -> None:
        self.locale = locale
        self.cues = cues

    def answer(self, question: Question, shown: DrawnQuestion) -> list[str]:
        options = [question.option(key) for key in shown.order]
        texts = [option.text if option else "" for option in options]
        if question.kind == "ordering":
            return [str(shown.order.index(key) + 1) for key in question.keys]
        if question.kind == "matching":
            return self._match(question, shown)
        if question.kind == "true-false":
            false_key = question.options[1].key  # the syntax writes True, then False
            if "absolute" in self.cues and absolute_words(question.prompt_text, self.locale):
                return [false_key]
            return [question.options[0].key]
        picked = self._pick(question, texts)
        if question.kind == "multiple":
            return sorted({shown.order[i] for i in picked})
        return [shown.order[picked[0]]]

    def _pick(self, question: Question, texts: list[str]) -> list[int]:
        """Places (0-based) of the options to tick."""
        many = question.kind == "multiple"
        places = list(range(len(texts)))
        for cue in self.cues:
            if cue == "above":
                phrases = ALL_OF_THE_ABOVE.get(self.locale, ())
                found = [i for i in places if any(p in texts[i].casefold() for p in phrases)]
                if found:
                    return found
            elif cue == "absolute":
                plain = [i for i in places if not absolute_words(texts[i], self.locale)]
                if plain and len(plain) < len(places):
                    if many:
                        return plain
                    places = plain
            elif cue == "longest":
                lengths = [len(texts[i]) for i in places]
                if many:
                    middle = statistics.median(lengths)
                    return [i for i in places if len(texts[i]) >= middle]
                ranked = sorted(places, key=lambda i: len(texts[i]), reverse=True)
                if len(ranked) == 1 or len(texts[ranked[0]]) > len(texts[ranked[1]]):
                    return [ranked[0]]
            elif cue == "echo":
                asked = _words(question.prompt_text, self.locale)
                overlap = {i: len(_words(texts[i], self.locale) & asked) for i in places}
                best = max(overlap.values())
                top = [i for i in places if overlap[i] == best]
                if best and (len(top) == 1 or many):
                    return top
            elif cue == "middle":
                return places[len(places) // 2 : len(places) // 2 + (2 if many else 1)]
        return places[len(places) // 2 : len(places) // 2 + 1]

    def _match(self, question: Question, shown: DrawnQuestion) -> list[str]:
        answers = list(shown.order)
        if "echo" not in self.cues:
            return [answers[i % len(answers)] for i in range(len(question.keys))]
        chosen: list[str] = []
        for option in question.options:
            words = _words(option.text, self.locale)
            left = [key for key in answers if key not in chosen] or answers
            best = max(
                left, key=lambda key: len(_words(_match_text(question, key), self.locale) & words)
            )
            chosen.append(best)
        return chosen


def _match_text(question: Question, key: str) -> str:
    option = question.option(key)
    return option.match_html if option else ""


def _words(text: str, locale: str) -> set[str]:
    text = text.casefold()
    if locale.startswith("zh"):
        characters = [c for c in text if WORD.fullmatch(c)]
        return {a + b for a, b in itertools.pairwise(characters)}
    return {word for word in WORD.findall(text) if len(word) >= STOP_LENGTH}


STRATEGIES: dict[str, Sequence[str]] = {
    "longest": ("longest",),
    "absolute": ("absolute",),
    "echo": ("echo",),
    "above": ("above",),
    "middle": ("middle",),
    "test-wise": ("above", "absolute", "longest", "echo", "middle"),
}


def play(
    quiz,
    locale: str,
    cues: Sequence[str],
    attempts: int,
    rng: random.Random,
    size: int,
    per_outcome: int,
    pass_threshold: float,
) -> list[float]:
    """The score ratio of each attempt."""  # fmt: skip
    guesser = Guesser(locale, cues)
    ratios = []
    for _ in range(attempts):
        drawn = draw(quiz, rng, size, per_outcome)
        answers = {shown.id: guesser.answer(quiz.question(shown.id), shown) for shown in drawn}
        ratios.append(grade(quiz, answers, pass_threshold, drawn).ratio)
    return ratios


def main(argv: Sequence[str] | None = None, report: Callable[[str], None] = print) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    course = load_course(REAL_CONTENT)
    rng = random.Random(args.seed)
    threshold = course.pass_threshold
    report(f"pass mark {threshold:.0%}; goal: every mean below {threshold / 2:.0%}, no pass")
    report(f"{'locale':6} {'module':32} {'strategy':10} {'mean':>6} {'best':>6} {'passes':>6}")
    met = True
    worst = 0.0
    for locale in course.locales:
        for resolved in course.modules_for(locale):
            module = resolved.module
            if module.quiz is None:
                continue
            for name, cues in STRATEGIES.items():
                ratios = play(module.quiz, locale, cues, args.attempts, rng, course.draw_size,
                              course.draw_per_outcome, threshold)  # fmt: skip
                mean, best = statistics.mean(ratios), max(ratios)
                passes = sum(ratio >= threshold for ratio in ratios)
                worst = max(worst, mean)
                ok = mean < threshold / 2 and not passes
                met = met and ok
                report(f"{locale:6} {module.slug:32} {name:10} {mean:6.1%} {best:6.1%} "
                       f"{passes:6d}{'' if ok else '  <- goal missed'}")  # fmt: skip
    report(f"highest mean {worst:.1%}; goal {'met' if met else 'MISSED'}")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
