"""Grading a self-test into a result with per-question feedback."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from course import load_course
from course.errors import ContentError
from course.loader import load_module
from course.quiz import DrawnQuestion, draw, grade, points, read_answers, recorded_draw
from tests.conftest import REAL_CONTENT


def quiz(content):
    return load_module(content.module(), "en").quiz


quiz_of = quiz


def test_all_correct_answers_pass(content):
    result = grade(quiz(content), {"q-define": ["b"], "q-channels": ["a", "b"], "q-tf": ["b"]}, 0.6)
    assert (result.score, result.total, result.passed) == (3, 3, True)
    assert all(r.correct for r in result.questions)


def test_multiple_choice_needs_every_correct_option_and_no_wrong_one(content):
    q = quiz(content)
    assert not grade(q, {"q-channels": ["a"]}).questions[1].correct
    assert not grade(q, {"q-channels": ["a", "b", "c"]}).questions[1].correct
    assert grade(q, {"q-channels": ["b", "a"]}).questions[1].correct


def test_unanswered_questions_are_wrong_and_marked_not_answered(content):
    result = grade(quiz(content), {}, 0.6)
    assert result.score == 0 and not result.passed
    assert not any(r.answered for r in result.questions)


def test_threshold_decides_passing(content):
    answers = {"q-define": ["b"], "q-channels": ["a", "b"], "q-tf": ["a"]}
    assert grade(quiz(content), answers, 0.6).passed  # 2/3 ≈ 0.67
    assert not grade(quiz(content), answers, 0.7).passed


def test_forged_answers_do_not_score(content):
    q = quiz(content)
    assert not grade(q, {"q-define": ["a", "b", "c"]}).questions[0].correct  # all radios ticked
    assert not grade(q, {"q-define": ["z"]}).questions[0].answered  # unknown option key
    assert grade(q, {"q-define": ["b"], "unknown": ["a"]}).score == 1


def test_answers_are_recorded_for_storage(content):
    result = grade(quiz(content), {"q-channels": ["b", "a"], "q-tf": ["a"]})
    assert result.answers() == {"q-define": [], "q-channels": ["a", "b"], "q-tf": ["a"]}
    assert [r.question.id for r in result.unanswered] == ["q-define"]


# --- ordering and matching ----------------------------------------------------

ITEM_QUESTIONS = """
### Put the stages in order. {#q-order outcome=define type=ordering}

1. Discovery
2. Purchase
3. Delivery
4. Service

> Discovery comes first, service last.

### Match each channel with its use. {#q-match outcome=compare type=matching}

- Store => Trying a jacket on
- Call centre => Asking a question by phone
- Web shop => Ordering at night

> Each channel fits one situation.
"""


def with_items(content):
    path = content.module()
    path.write_text(path.read_text(encoding="utf-8") + ITEM_QUESTIONS, encoding="utf-8")
    return load_module(path, "en").quiz


def test_ordering_and_matching_questions_are_parsed_in_their_right_order(content):
    quiz = with_items(content)
    order, match = quiz.question("q-order"), quiz.question("q-match")
    assert order.kind == "ordering" and [o.text for o in order.options][:2] == [
        "Discovery",
        "Purchase",
    ]
    assert match.kind == "matching"
    assert [(o.text, o.match_html) for o in match.options][1] == (
        "Call centre",
        "Asking a question by phone",
    )


def test_ordering_and_matching_are_graded_item_by_item(content):
    quiz = with_items(content)
    order, match = quiz.question("q-order"), quiz.question("q-match")
    assert points(order, ["1", "2", "3", "4"]) == 1.0
    assert points(order, ["1", "2", "4", "3"]) == 0.5  # two of four items in place
    assert points(match, ["a", "c", "b"]) == 1 / 3
    result = grade(quiz, {"q-order": ["1", "2", "4", "3"], "q-match": ["a", "b", "c"]},
                   drawn=[DrawnQuestion("q-order", ("d", "c", "b", "a")),
                          DrawnQuestion("q-match", ("b", "c", "a"))])  # fmt: skip
    assert result.score == 1.5 and result.total == 2
    assert result.questions[0].partly_correct and result.questions[1].correct


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        ("1. Discovery\n2. Purchase\n", "needs 3 to 8 items, it has 2"),
        ("1. Discovery\n2. Discovery\n3. Service\n", "two items with the same text"),
        (
            "- [x] Discovery\n1. Purchase\n2. Delivery\n3. Service\n",
            "takes its items as a numbered list",
        ),
    ],
)
def test_a_broken_ordering_question_is_reported_at_its_line(content, broken, message):
    path = content.module()
    text = path.read_text(encoding="utf-8")
    text += "\n### Order them. {#q-bad outcome=define type=ordering}\n\n" + broken + "\n> Why.\n"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as error:
        load_module(path, "en")
    assert message in error.value.message
    assert (
        error.value.line
        == text.splitlines().index("### Order them. {#q-bad outcome=define type=ordering}") + 1
    )


def test_a_matching_question_needs_distinct_answers(content):
    path = content.module()
    path.write_text(path.read_text(encoding="utf-8") + """
### Match them. {#q-bad outcome=define type=matching}

- Store => A
- Web => A
- Call => B

> Why.
""", encoding="utf-8")  # fmt: skip
    with pytest.raises(ContentError, match="two pairs with the same answer"):
        load_module(path, "en")


# --- drawing an attempt --------------------------------------------------------

SHIPPED = load_course(REAL_CONTENT)


@pytest.mark.parametrize("module", SHIPPED.source_modules(), ids=lambda m: m.slug)
def test_each_draw_covers_every_outcome_twice_with_a_mix_of_kinds(module):
    rng = random.Random(7)
    quiz = module.quiz
    orders = set()
    for _ in range(200):
        drawn = draw(quiz, rng, SHIPPED.draw_size, SHIPPED.draw_per_outcome)
        questions = [quiz.question(shown.id) for shown in drawn]
        assert len({q.id for q in questions}) == SHIPPED.draw_size
        per_outcome = Counter(q.outcome for q in questions)
        assert all(per_outcome[outcome] >= 2 for outcome in module.outcomes), per_outcome
        kinds = Counter(q.kind for q in questions)
        assert kinds["true-false"] <= 1 and kinds["multiple"] >= 2, kinds
        assert kinds["ordering"] + kinds["matching"] >= 2, kinds
        for question, shown in zip(questions, drawn, strict=True):
            assert sorted(shown.order) == sorted(question.keys)
            if question.graded_per_item:
                assert shown.order != question.keys  # never shown already solved
            if question.kind == "true-false":
                assert shown.order == question.keys  # True, then False
        orders.add(tuple(shown.id for shown in drawn))
    assert len(orders) == 200  # a new draw each time


def test_answers_read_from_a_form_name_options_by_their_place(content):
    quiz = with_items(content)
    drawn = (
        DrawnQuestion("q-define", ("c", "a", "b")),
        DrawnQuestion("q-channels", ("b", "c", "a")),
        DrawnQuestion("q-order", ("d", "c", "b", "a")),
        DrawnQuestion("q-match", ("b", "c", "a")),
    )
    form = {
        "q-define": ["3"],  # the third option shown is b
        "q-channels": ["1", "3", "99", "x"],  # b and a; nonsense is ignored
        "q-order.1": ["4"], "q-order.2": ["3"], "q-order.3": ["2"], "q-order.4": ["1"],
        "q-match.1": ["3"], "q-match.2": ["1"], "q-match.3": ["2"],
    }  # fmt: skip
    answers = read_answers(quiz, drawn, form)
    assert answers == {
        "q-define": ["b"],
        "q-channels": ["a", "b"],
        "q-order": ["1", "2", "3", "4"],
        "q-match": ["a", "b", "c"],
    }
    result = grade(quiz, answers, 0.7, drawn)
    assert result.score == 4 and not result.unanswered
    for item in result.questions:  # the form shows again exactly what was sent
        values = item.values
        if item.question.kind == "ordering":
            assert values["chosen"] == {1: 4, 2: 3, 3: 2, 4: 1}
        elif item.question.kind == "matching":
            assert values["chosen"] == {1: 3, 2: 1, 3: 2}


def test_an_item_without_a_place_leaves_its_question_unanswered(content):
    quiz = with_items(content)
    drawn = (DrawnQuestion("q-order", ("d", "c", "b", "a")),)
    answers = read_answers(quiz, drawn, {"q-order.1": ["4"], "q-order.2": ["3"]})
    result = grade(quiz, answers, 0.7, drawn)
    assert [r.question.id for r in result.unanswered] == ["q-order"]


def test_an_old_attempt_without_a_draw_is_shown_with_the_questions_it_answered(content):
    quiz = quiz_of(content)
    drawn = recorded_draw(quiz, None, {"q-tf": ["b"], "q-define": ["b"]})
    assert [shown.id for shown in drawn] == ["q-define", "q-tf"]
