"""The course as shipped: every module meets the brief in every locale."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from course import load_course
from course.quiz_lint import lint_course
from tests.conftest import REAL_CONTENT

COURSE = load_course(REAL_CONTENT)
SLUGS = [
    "principles",
    "multichannel-vs-omnichannel",
    "strategies-and-implementation",
    "benefits-and-challenges",
]


ACTIVITIES = {"case-study", "worked-example", "open-task"}


def test_shipped_content_has_no_errors():
    assert [str(e) for e in COURSE.errors] == []


def test_self_tests_give_test_wise_learners_no_cue():
    modules = [m for by_slug in COURSE.modules.values() for m in by_slug.values()]
    assert [str(warning) for warning in lint_course(modules)] == []


def test_the_english_course_has_the_four_modules_in_order():
    assert [m.slug for m in COURSE.source_modules()] == SLUGS


@pytest.mark.parametrize("module", COURSE.source_modules(), ids=lambda m: m.slug)
def test_english_module_meets_the_brief(module):
    # 4–7 lesson sections, then the activities every module ends with: a worked case,
    # (in one module) a worked example with numbers, and an open task with a model answer.
    lessons = [s for s in module.sections if s.id not in ACTIVITIES]
    assert 4 <= len(lessons) <= 7
    assert [s.id for s in module.sections][len(lessons) :] in (
        ["case-study", "open-task"],
        ["case-study", "worked-example", "open-task"],
    )
    assert 3 <= len(module.outcomes) <= 5
    # A bank to draw attempts from: 20 questions or more, at least 4 per outcome.
    assert len(module.quiz.questions) >= 20
    assessed = Counter(q.outcome for q in module.quiz.questions)
    assert all(assessed[outcome] >= 4 for outcome in module.outcomes), assessed
    kinds = Counter(q.kind for q in module.quiz.questions)
    assert set(kinds) == {"single", "multiple", "true-false", "ordering", "matching"}, kinds
    assert kinds["true-false"] <= 3 and kinds["multiple"] >= 3, kinds
    words = sum(len(re.findall(r"\w+", s.speech_text)) for s in module.sections)
    assert 1500 <= words <= 4000, words  # 10–20 minutes of reading
    assert module.keywords and len(module.references) >= 3
