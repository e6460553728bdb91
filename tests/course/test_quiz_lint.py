"""The test-wiseness lint: the cues it finds, at the right line, and none in a fair self-test."""

from __future__ import annotations

from course.loader import load_module
from course.quiz_lint import lint_module

FAIR = """
### Which one fits? {#q-one outcome=define}

- [ ] A short wrong one
- [x] The right one
- [ ] Another wrong answer

> Because.

### Which fits best? {#q-two outcome=define}

- [x] A right answer here
- [ ] A much longer wrong option than the rest
- [ ] Wrong again

> Because.
"""


def module_with(content, questions: str, locale: str = "en"):
    path = content.module()
    text = path.read_text(encoding="utf-8")
    quiz_start = text.index("## Test yourself!")
    path.write_text(
        text[:quiz_start] + "## Test yourself! {#self-test .quiz}\n" + questions, encoding="utf-8"
    )
    return load_module(path, locale), path.read_text(encoding="utf-8").splitlines()


def line_of(lines: list[str], start: str) -> int:
    return next(i for i, line in enumerate(lines, start=1) if line.startswith(start))


def test_a_fair_self_test_has_no_warning(content):
    module, _ = module_with(content, FAIR)
    assert lint_module(module) == []


def test_the_longest_option_being_right_too_often_is_a_warning(content):
    longest = FAIR.replace(
        "- [x] A right answer here", "- [x] A right answer that is longest of all of them"
    )
    module, lines = module_with(content, longest)
    [warning] = lint_module(module)
    assert warning.line == line_of(lines, "## Test yourself!")
    assert "longest in 1 of 2 single-choice questions" in warning.message  # 50 % > 40 %
    assert warning.message.endswith(": q-two")


def test_absolute_words_only_in_false_statements_are_a_warning(content):
    statements = (
        FAIR
        + """
### True or false: a new database alone removes silos. {#q-false outcome=define type=true-false}

- [ ] True
- [x] False

> False.

### True or false: shared data helps every channel. {#q-true outcome=define type=true-false}

- [x] True
- [ ] False

> True.
"""
    )
    module, _ = module_with(content, statements)
    assert lint_module(module) == []  # "every" in a true statement too: no cue
    module, lines = module_with(
        content, statements.replace("helps every channel", "helps the channels")
    )
    [warning] = lint_module(module)
    assert warning.line == line_of(lines, "### True or false: a new database")
    assert "'q-false' is false and says 'alone'" in warning.message


def test_an_option_that_is_another_questions_answer_is_a_warning(content):
    giveaway = FAIR.replace("- [ ] Another wrong answer", "- [ ] A right answer here")
    module, lines = module_with(content, giveaway)
    [warning] = lint_module(module)
    assert warning.line == line_of(lines, "### Which one fits?")
    assert "right answer of 'q-two'" in warning.message


def test_polish_and_chinese_absolute_words_are_found(content):
    from course.quiz_lint import absolute_words

    assert absolute_words("To wystarczy, aby usunąć silosy.", "pl") == ["wystarczy"]
    assert absolute_words("只要买一个新系统就够了。", "zh") == ["只"]
    assert absolute_words("Gbogbo ìkànnì ni.", "yo") == ["gbogbo"]
    assert absolute_words("The stores usually sell online too.", "en") == []
