"""Grading a self-test into a result with per-question feedback."""

from __future__ import annotations

from course.loader import load_module
from course.quiz import grade


def quiz(content):
    return load_module(content.module(), "en").quiz


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
