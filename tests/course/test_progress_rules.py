"""The completion rules of course/progress.py, judged against a module as it is now."""

from __future__ import annotations

from datetime import datetime

from course import load_course
from course.progress import ModuleProgress, QuizScores, Score, all_completed, passes, score_ratio

T1, T2, T3 = datetime(2026, 1, 1, 9), datetime(2026, 1, 2, 9), datetime(2026, 1, 3, 9)


def module(content):
    content.module()
    return load_course(content.root).modules["en"]["basics"]


def test_the_pass_mark_is_reached_or_not():
    assert score_ratio(7, 10) == 0.7 and score_ratio(0, 0) == 0.0
    assert passes(0.7, 0.7) and not passes(0.69, 0.7)


def test_best_and_last_scores_and_the_first_pass():
    scores = QuizScores()
    for score in (Score(2, 3, T1, 1), Score(3, 3, T3, 3), Score(1, 3, T2, 2)):
        scores.add(score)
    assert scores.attempts == 3
    assert scores.best.score == 3 and scores.last.attempt_id == 3
    assert scores.first_pass(0.6) == T1  # 2 of 3 already passed at 0.6
    assert scores.first_pass(0.9) == T3
    assert scores.first_pass(1.1) is None


def test_a_module_is_completed_when_every_section_is_read_and_the_test_passed(content):
    basics = module(content)
    entry = ModuleProgress(basics, pass_threshold=0.6)
    sections = [s.id for s in basics.sections]
    assert not entry.completed and entry.completed_at is None
    assert entry.next_section == sections[0]

    entry.read = {section: T1 for section in sections}
    assert entry.sections_read == len(sections) and not entry.quiz_passed
    entry.quiz.add(Score(1, 3, T2, 1))
    assert not entry.completed  # read, but 1 of 3 is under the mark
    entry.quiz.add(Score(3, 3, T3, 2))
    assert entry.completed and all_completed([entry])
    assert entry.completed_at == T3  # the pass came after the reading


def test_a_section_added_since_is_still_to_read(content):
    basics = module(content)
    entry = ModuleProgress(basics, pass_threshold=0.6)
    entry.read = {"an-old-section": T1}  # not in the module any more
    entry.quiz.add(Score(3, 3, T1, 1))
    assert entry.sections_read == 0 and not entry.completed
    assert not all_completed([]), "nothing to complete is not a completion"
