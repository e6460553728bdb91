"""Analytics: statistics on an answer set worked out by hand, and the numbers behind charts."""

from __future__ import annotations

import re
from datetime import date, datetime
from fractions import Fraction
from pathlib import Path

import pytest

from app.models import Feedback, Learner, Progress, QuizAttempt, SectionRead, SectionVote
from course import analytics, load_course
from course.analytics import (
    Journey,
    completion_funnel,
    discrimination_index,
    facility_index,
    group_size,
    item_analysis,
    most_chosen_wrong,
    period_start,
    ratings_over_time,
    score_distribution,
)
from tests.app.test_admin import signed_in
from tests.conftest import MODULE_TEMPLATE, ContentFactory, make_app

# A self-test of five questions and ten attempts, worked out by hand.
#
# Correct (1) or not (0) per question, and the total:
#            Q1 Q2 Q3 Q4 Q5  total
#   U1        1  1  1  0  1   4
#   U2        1  1  1  0  1   4
#   U3        1  1  0  0  1   3
#   M1        1  0  0  1  0   2
#   M2        0  1  0  0  1   2
#   M3        1  1  0  0  0   2
#   M4        0  0  1  1  0   2
#   L1        0  1  0  0  0   1
#   L2        0  0  1  0  0   1
#   L3        0  0  0  1  0   1
#
# 27 % of 10 attempts is 2.7, so the groups have 3 attempts: upper U1–U3
# (totals 4, 4, 3), lower L1–L3 (1, 1, 1); no tie crosses a group boundary.
#   facility        Q1 5/10  Q2 6/10  Q3 4/10  Q4 3/10  Q5 4/10
#   upper correct   Q1 3/3   Q2 3/3   Q3 2/3   Q4 0/3   Q5 3/3
#   lower correct   Q1 0/3   Q2 1/3   Q3 1/3   Q4 1/3   Q5 0/3
#   discrimination  Q1 1     Q2 2/3   Q3 1/3   Q4 −1/3  Q5 1
# Q4 is the misleading one: the strongest learners all chose its option b.
QUIZ_MODULE = """\
---
slug: items
title: Item analysis
order: 1
eqf: "3-5"
duration_minutes: 10
description: A module whose self-test has a known answer set.
keywords: [testing]
outcomes:
  define: Define omnichannel.
bibliography:
  - "A book."
---

## First part {#first}

Text.

## Second part {#second}

More text.

## Test yourself! {#self-test .quiz}

### Q1 {#q1 outcome=define}

- [ ] a
- [x] b
- [ ] c

> Because.

### Q2 {#q2 outcome=define type=multiple}

- [x] a
- [x] b
- [ ] c

> Because.

### Q3 {#q3 outcome=define type=true-false}

- [ ] True
- [x] False

> Because.

### Q4 {#q4 outcome=define}

- [x] a
- [ ] b, the tempting one
- [ ] c
- [ ] d

> Because.

### Q5 {#q5 outcome=define}

- [ ] a
- [ ] b
- [x] c

> Because.
"""

# The options each attempt chose, in submission order (mixed, so ranking matters).
ATTEMPTS = {
    "M1": {"q1": ["b"], "q2": ["c"], "q3": ["a"], "q4": ["a"], "q5": ["b"]},
    "L1": {"q1": ["a"], "q2": ["a", "b"], "q3": ["a"], "q4": ["c"], "q5": ["a"]},
    "U3": {"q1": ["b"], "q2": ["a", "b"], "q3": ["a"], "q4": ["b"], "q5": ["c"]},
    "M2": {"q1": ["c"], "q2": ["a", "b"], "q3": ["a"], "q4": ["c"], "q5": ["c"]},
    "L2": {"q1": ["c"], "q2": ["a"], "q3": ["b"], "q4": ["d"], "q5": ["b"]},
    "U1": {"q1": ["b"], "q2": ["a", "b"], "q3": ["b"], "q4": ["b"], "q5": ["c"]},
    "M3": {"q1": ["b"], "q2": ["a", "b"], "q3": [], "q4": ["b"], "q5": ["a"]},
    "L3": {"q1": ["c"], "q2": ["a", "c"], "q3": ["a"], "q4": ["a"], "q5": ["a"]},
    "U2": {"q1": ["b"], "q2": ["a", "b"], "q3": ["b"], "q4": ["b"], "q5": ["c"]},
    "M4": {"q1": [], "q2": ["b", "c"], "q3": ["b"], "q4": ["a"], "q5": []},
}
SCORES = {"U1": 4, "U2": 4, "U3": 3, "M1": 2, "M2": 2, "M3": 2, "M4": 2, "L1": 1, "L2": 1, "L3": 1}
FACILITY = {"q1": 0.5, "q2": 0.6, "q3": 0.4, "q4": 0.3, "q5": 0.4}
DISCRIMINATION = {
    "q1": Fraction(1),
    "q2": Fraction(2, 3),
    "q3": Fraction(1, 3),
    "q4": Fraction(-1, 3),
    "q5": Fraction(1),
}
# Wrong options ticked: Q1 a×1 c×3, Q2 c×3, Q3 a×5, Q4 b×4 c×2 d×1, Q5 a×3 b×2.
MOST_CHOSEN_WRONG = {"q1": ("c", 3), "q2": ("c", 3), "q3": ("a", 5), "q4": ("b", 4), "q5": ("a", 3)}


@pytest.fixture
def items_course(tmp_path) -> Path:
    content = ContentFactory(tmp_path / "content")
    content.module("items", text=QUIZ_MODULE)
    content.module(
        "basics",
        order=2,
        text=MODULE_TEMPLATE.format(slug="basics", title="Basics", order=2, extra=""),
    )
    (content.root / "pl").mkdir()  # a second language (its modules fall back to English)
    return content.root


def test_the_answer_set_is_graded_as_worked_out_by_hand(items_course):
    quiz = load_course(items_course).resolve("en", "items").module.quiz
    for name, answers in ATTEMPTS.items():
        correct = sum(frozenset(answers[q.id]) == q.correct_keys for q in quiz.questions)
        assert correct == SCORES[name], name


def test_item_analysis_on_the_known_answer_set(items_course):
    quiz = load_course(items_course).resolve("en", "items").module.quiz
    stats = {item.question_id: item for item in item_analysis(quiz, list(ATTEMPTS.values()))}
    for question in FACILITY:
        item = stats[question]
        assert item.answers == 10
        assert item.facility == pytest.approx(FACILITY[question]), question
        assert item.discrimination == pytest.approx(float(DISCRIMINATION[question])), question
        assert (item.wrong_option, item.wrong_count) == MOST_CHOSEN_WRONG[question], question
    # Ten attempts are too few to call a question faulty; from the minimum, q4 would be.
    assert not any(item.needs_review for item in stats.values())
    assert not any(item.enough_attempts for item in stats.values())


def test_questions_are_flagged_only_from_the_minimum_number_of_attempts(items_course, monkeypatch):
    quiz = load_course(items_course).resolve("en", "items").module.quiz
    monkeypatch.setattr(analytics, "MIN_ATTEMPTS_TO_FLAG", 10)
    stats = {item.question_id: item for item in item_analysis(quiz, list(ATTEMPTS.values()))}
    assert [q for q, item in stats.items() if item.needs_review] == ["q4"]  # D below 0.2
    # Statistics count only the attempts that drew the question.
    drawn = [{k: v for k, v in answers.items() if k != "q5"} for answers in ATTEMPTS.values()]
    stats = {
        item.question_id: item
        for item in item_analysis(quiz, drawn[:4] + list(ATTEMPTS.values())[4:])
    }
    assert stats["q5"].answers == 6 and stats["q1"].answers == 10


def test_facility_and_discrimination_by_hand():
    assert facility_index([True, False, True, True]) == 0.75
    assert facility_index([]) is None
    assert [group_size(n) for n in (2, 3, 10, 50, 100)] == [1, 1, 3, 14, 27]
    # Four attempts, groups of one: the best (total 9) got it right, the worst (1) did not.
    assert discrimination_index([True, False, True, False], [9, 1, 5, 4]) == 1.0
    assert discrimination_index([False, True, True, False], [9, 1, 5, 4]) == -1.0
    # Equal totals keep submission order: the first is "upper", the last "lower".
    assert discrimination_index([True, True, False], [2, 2, 2]) == 1.0
    assert discrimination_index([True], [3]) is None
    with pytest.raises(ValueError):
        discrimination_index([True, False], [1])


def test_most_chosen_wrong_option():
    choices = [["a"], ["b", "c"], ["c"], [], ["b"]]
    assert most_chosen_wrong(choices, {"a"}, "abc") == ("b", 2)  # a tie goes to the earlier
    assert most_chosen_wrong([["a"], ["a"]], {"a"}, "ab") is None


def test_a_question_added_later_leaves_older_attempts_out_of_its_statistics(items_course):
    quiz = load_course(items_course).resolve("en", "items").module.quiz
    old = {q: keys for q, keys in ATTEMPTS["U1"].items() if q != "q5"}
    stats = {s.question_id: s for s in item_analysis(quiz, [old, ATTEMPTS["L1"]])}
    assert stats["q5"].answers == 1 and stats["q1"].answers == 2


def test_score_distribution_bins():
    bins = score_distribution([(0, 5), (1, 5), (3, 5), (5, 5), (2, 3), (9, 10), (0, 0)])
    assert [(b.low, b.high) for b in bins][:2] == [(0, 10), (10, 20)] and bins[-1].high == 100
    counts = {b.low: b.count for b in bins if b.count}
    assert counts == {0: 1, 20: 1, 60: 2, 90: 2}  # 3/5 is exactly 60 %; 100 % is in the last bin


def test_the_funnel_counts_every_step_among_the_learners_who_opened_the_module():
    journeys = [
        Journey(True, True, True, True, True),
        Journey(True, True, True, True, False),
        Journey(True, True, False, False, False),
        Journey(True, False, False, True, True),  # took the self-test without reading: counted
        Journey(True, False, False, False, False),
    ]
    stages = completion_funnel(journeys)
    assert [(s.key, s.count) for s in stages] == [
        ("opened", 5),
        ("read_any", 3),
        ("read_all", 2),
        ("attempted", 3),
        ("passed", 2),
    ]
    assert stages[1].share_of_start == 0.6 and stages[3].share_of_start == 0.6
    assert all(stage.count <= stages[0].count for stage in stages)
    assert [s.count for s in completion_funnel([])] == [0, 0, 0, 0, 0]
    assert [s.share_of_start for s in completion_funnel([])] == [None] * 5


def test_ratings_over_time_per_series_and_period():
    ratings = [
        ("en", datetime(2025, 3, 3, 9), 4),
        ("en", datetime(2025, 3, 9, 23), 2),  # Sunday: the same week
        ("en", datetime(2025, 3, 10), 5),
        ("pl", datetime(2025, 3, 12), 3),
    ]
    weeks = ratings_over_time(ratings, "week")
    assert [(p.start, p.count, p.mean) for p in weeks["en"]] == [
        (date(2025, 3, 3), 2, 3.0),
        (date(2025, 3, 10), 1, 5.0),
    ]
    assert [(p.start, p.mean) for p in weeks["pl"]] == [(date(2025, 3, 10), 3.0)]
    months = ratings_over_time(ratings, "month")
    assert [(p.start, p.count) for p in months["en"]] == [(date(2025, 3, 1), 3)]
    assert period_start(date(2025, 1, 1), "week") == date(2024, 12, 30)


# --- the numbers behind the charts, from the database ----------------------


def fill_database(app) -> dict[str, int]:
    """The known attempts, progress for a funnel, feedback over time and section votes."""
    learners: dict[str, int] = {}
    with app.extensions["db_sessionmaker"]() as session:
        for name in [*ATTEMPTS, "O1", "O2"]:  # O1, O2 only opened the module
            learner = Learner(key=f"key-{name}-" + "x" * 20)
            session.add(learner)
            session.flush()
            learners[name] = learner.id
            session.add(
                Progress(
                    learner_id=learner.id, module_slug="items", created_at=datetime(2025, 3, 1)
                )
            )
        for number, (name, answers) in enumerate(ATTEMPTS.items()):
            session.add(
                QuizAttempt(
                    learner_id=learners[name],
                    module_slug="items",
                    locale="en",
                    content_hash="h",
                    answers=answers,
                    score=SCORES[name],
                    total=5,
                    submitted_at=datetime(2025, 3, 5, 10, number),
                )
            )
        # Read every section: U1–U3, M1 and L1; M2 read one of the two.
        for name in ("U1", "U2", "U3", "M1", "L1"):
            for section in ("first", "second"):
                session.add(_read(learners[name], section))
        session.add(_read(learners["M2"], "first"))
        session.add(_read(learners["M3"], "first", read=False))  # opened, never read
        # An attempt in another language and another year: only in unfiltered figures.
        session.add(
            QuizAttempt(
                learner_id=learners["O1"],
                module_slug="items",
                locale="pl",
                content_hash="h",
                answers={q: [] for q in FACILITY},
                score=0,
                total=5,
                submitted_at=datetime(2024, 6, 1),
            )
        )
        for locale, when, rating, clarity in [
            ("en", datetime(2025, 3, 3, 9), 4, 5),
            ("en", datetime(2025, 3, 9, 23), 2, None),
            ("en", datetime(2025, 3, 10, 8), 5, 4),
            ("pl", datetime(2025, 3, 12, 12), 3, 3),
        ]:
            session.add(
                Feedback(
                    module_slug="items",
                    locale=locale,
                    content_hash="h",
                    rating=rating,
                    clarity=clarity,
                    created_at=when,
                )
            )
        for name, helpful in (("U1", True), ("U2", True), ("L1", False)):
            session.add(
                SectionVote(
                    learner_id=learners[name],
                    module_slug="items",
                    section_id="first",
                    locale="en",
                    helpful=helpful,
                    updated_at=datetime(2025, 3, 5),
                )
            )
        session.commit()
    return learners


def _read(learner_id: int, section: str, read: bool = True) -> SectionRead:
    when = datetime(2025, 3, 2)
    return SectionRead(
        learner_id=learner_id,
        module_slug="items",
        section_id=section,
        opened_at=when,
        read_at=when if read else None,
    )


def report_of(app, **filters):
    from app.admin.report import AnalyticsFilters, build_report

    with app.test_request_context(), app.extensions["db_sessionmaker"]() as session:
        report = build_report(
            session, app.extensions["content"].course, AnalyticsFilters(module="items", **filters)
        )
    [module] = report.modules
    return report, module


def test_the_report_from_the_database_has_the_hand_worked_numbers(
    tmp_path, items_course, database_url
):
    app = make_app(tmp_path, items_course, DATABASE_URL=database_url)
    fill_database(app)
    report, module = report_of(
        app, locale="en", date_from=date(2025, 3, 1), date_to=date(2025, 3, 31)
    )
    stats = {item.question_id: item for item in module.questions}
    assert module.attempts == 10
    for question, expected in DISCRIMINATION.items():
        assert stats[question].facility == pytest.approx(FACILITY[question])
        assert stats[question].discrimination == pytest.approx(float(expected))
        assert (stats[question].wrong_option, stats[question].wrong_count) == MOST_CHOSEN_WRONG[
            question
        ]
    assert {b.low: b.count for b in module.scores if b.count} == {20: 3, 40: 4, 60: 1, 80: 2}
    # 12 opened; M2 read one section, U1–U3, M1 and L1 both; the ten took the self-test in
    # March (whatever they read), U1–U3 passed (≥ 60 %): the same ten attempts as the scores.
    assert [(s.key, s.count) for s in module.funnel] == [
        ("opened", 12),
        ("read_any", 6),
        ("read_all", 5),
        ("attempted", 10),
        ("passed", 3),
    ]
    assert module.funnel_attempts == module.attempts == 10
    assert report.period == "week"
    assert [(p.start, p.count, p.mean) for p in module.ratings_by_locale["en"]] == [
        (date(2025, 3, 3), 2, 3.0),
        (date(2025, 3, 10), 1, 5.0),
    ]
    assert "pl" not in module.ratings_by_locale
    assert module.ratings.count == 3
    assert module.ratings.rating == pytest.approx(11 / 3) and module.ratings.clarity == 4.5
    assert module.votes == {"first": (2, 1)}
    # Without filters the Polish attempt of 2024 counts too, and the Polish feedback.
    _, everything = report_of(app)
    assert everything.attempts == 11 and everything.ratings.count == 4
    assert everything.questions[0].facility == pytest.approx(5 / 11)
    assert everything.funnel[0].count == 12
    assert everything.funnel[3].count == 11 and everything.funnel_attempts == 11
    # The Polish attempt alone; the funnel still counts every language (the page says so).
    _, polish = report_of(app, locale="pl")
    assert polish.attempts == 1 and polish.funnel_attempts == 11


def test_the_funnel_counts_everyone_who_took_the_self_test(tmp_path, items_course):
    """Three attempts by a learner with no progress row, and another whose progress began
    before the chosen days: "took the self-test" is never below the attempts shown."""
    app = make_app(tmp_path, items_course)
    with app.extensions["db_sessionmaker"]() as session:
        early, direct = Learner(key="early-" + "x" * 20), Learner(key="direct-" + "x" * 20)
        session.add_all([early, direct])
        session.flush()
        session.add(
            Progress(learner_id=early.id, module_slug="items", created_at=datetime(2025, 1, 5))
        )
        for number, learner in enumerate([direct, direct, direct, early]):
            session.add(
                QuizAttempt(
                    learner_id=learner.id,
                    module_slug="items",
                    locale="en",
                    content_hash="h",
                    answers=ATTEMPTS["U1"],
                    score=4,
                    total=5,
                    submitted_at=datetime(2025, 3, 5, 10, number),
                )
            )
        session.commit()
    _, module = report_of(app, date_from=date(2025, 3, 1), date_to=date(2025, 3, 31))
    counts = {stage.key: stage.count for stage in module.funnel}
    assert module.attempts == module.funnel_attempts == 4
    assert counts == {"opened": 2, "read_any": 0, "read_all": 0, "attempted": 2, "passed": 2}


def analytics_page(client, query: str = "") -> str:
    response = client.get("/admin/analytics" + query)
    assert response.status_code == 200
    return response.data.decode()


def module_section(html: str) -> str:
    return html[html.index('<section class="analytics-module"') : html.index("analytics-overview")]


def test_the_analytics_page_draws_the_numbers_and_tables(tmp_path, items_course):
    app = make_app(tmp_path, items_course)
    fill_database(app)
    client = signed_in(app, "instructor")
    html = analytics_page(client, "?module=items&locale=en&date_from=2025-03-01&date_to=2025-03-31")
    section = module_section(html)
    questions = re.findall(r"<tr[^>]*>\s*<th scope=\"row\">Q(\d): .*?</tr>", section, re.S)
    assert questions == ["1", "2", "3", "4", "5"]
    rows = re.findall(
        r'<th scope="row">Q\d: .*?<td class="figure">([\d%]+) · (\d+) answers</td>\s*'
        r'<td class="figure">(-?[\d.]+) · (\d+) answers</td>\s*<td>\s*<strong>(\w)</strong>'
        r'.*?<td class="verdict">([^<]+)</td>',
        section,
        re.S,
    )
    few = "not enough answers yet (10 of 30)"  # each figure with the count it rests on
    assert rows == [
        ("50%", "10", "1", "10", "c", few),
        ("60%", "10", "0.67", "10", "c", few),
        ("40%", "10", "0.33", "10", "a", few),
        ("30%", "10", "-0.33", "10", "b", few),
        ("40%", "10", "1", "10", "a", few),
    ]
    assert "b, the tempting one" in section and "(4 times)" in section
    assert "needs-review" not in section and "badge--warn" not in section
    assert "a question is flagged only once 30 attempts have drawn it" in section
    funnel = re.findall(
        r'<span class="funnel__name">([^<]+)</span>\s*<span class="funnel__count">([^<]+)</span>',
        section,
    )
    assert funnel == [
        ("Opened the module", "12 learners"),
        ("Read at least one section", "6 learners · 50%"),
        ("Read every section", "5 learners · 42%"),
        ("Took the self-test", "10 learners · 83%"),
        ("Passed the self-test", "3 learners · 25%"),
    ]
    assert "sent answers to the self-test: 10 attempts in all." in section
    assert "<p>10 attempts.</p>" in section  # the scores: the same ten
    assert "<td>Week of Mar 3, 2025</td><td>English</td><td>2</td><td>3</td>" in section
    # Three charts: ratings, scores, questions; each an image with a title, scaling with
    # its box; the funnel is a list.
    assert section.count('<svg class="chart"') == 3
    assert section.count('role="img"') == 3
    assert re.findall(r'<svg class="chart" viewBox="0 0 (\d+) ', section) == ["300"] * 3
    assert ' style="' not in html and "<style" not in html
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None  # no inline script
    bars = re.findall(
        r'<rect class="chart__bar"[^>]*width="([\d.]+)"[^>]*><title>(\d+)–\d+: (\d*)', html
    )
    assert [(label, count) for _, label, count in bars] == [
        ("20", "3"), ("40", "4"), ("60", "1"), ("80", "2"),
    ]  # fmt: skip
    widths = {label: float(width) for width, label, _ in bars}
    assert widths["40"] > widths["20"] > widths["80"] > widths["60"] > 0
    assert "<td>2</td><td>1</td><td>67% · 3 answers</td>" in section  # "first": 2 yes, 1 no
    # Wide tables scroll in their own box, which a keyboard can reach.
    boxes = re.findall(r'<div class="table-scroll admin-scroll" ([^>]*)>', section)
    assert boxes and all('tabindex="0" role="region" aria-label="' in box for box in boxes)


def test_analytics_show_only_the_chosen_module(tmp_path, items_course):
    app = make_app(tmp_path, items_course)
    fill_database(app)
    client = signed_in(app, "admin")
    chosen = analytics_page(client, "?module=basics")
    assert chosen.count('class="analytics-module"') == 1
    section = module_section(chosen)
    assert '<h2 id="module-title">Basics</h2>' in section
    assert "Item analysis" not in section and "Q1" not in section
    # No data for it: one sentence, no tables of dashes.
    assert "Nothing to show yet" in section and "<table" not in section
    assert '<option selected value="basics">Basics</option>' in chosen
    assert 'value="">All</option>' not in chosen.split('id="module"')[1].split("</select>")[0]
    # Links to every module keep the other filters; without a choice, the first with data.
    assert 'href="/admin/analytics?module=items&amp;locale=en"' in analytics_page(
        client, "?module=basics&locale=en"
    )
    default = module_section(analytics_page(client))
    assert '<h2 id="module-title">Item analysis</h2>' in default and "Q1" in default


def test_questions_are_flagged_on_the_page_only_from_the_minimum(
    tmp_path, items_course, monkeypatch
):
    from app.admin import analytics as page

    app = make_app(tmp_path, items_course)
    fill_database(app)
    client = signed_in(app, "admin")
    monkeypatch.setattr(analytics, "MIN_ATTEMPTS_TO_FLAG", 10)
    monkeypatch.setattr(page, "MIN_ATTEMPTS_TO_FLAG", 10)
    march = "?module=items&locale=en&date_from=2025-03-01&date_to=2025-03-31"
    section = module_section(analytics_page(client, march))
    flagged = re.findall(r'<tr class="needs-review" data-question="(\w+)">', section)
    assert flagged == ["q4"]  # D = −1/3 from the ten attempts
    assert "Poor discrimination" in section and "not enough answers yet" not in section
    monkeypatch.setattr(analytics, "MIN_ATTEMPTS_TO_FLAG", 11)
    monkeypatch.setattr(page, "MIN_ATTEMPTS_TO_FLAG", 11)
    section = module_section(analytics_page(client, march))
    assert "needs-review" not in section
    assert section.count("not enough answers yet (10 of 11)") == 5


def test_the_analytics_page_copes_with_no_data_and_bad_filters(tmp_path):
    app = make_app(tmp_path)
    client = signed_in(app, "admin")
    empty = client.get("/admin/analytics")
    assert empty.status_code == 200
    section = module_section(empty.data.decode())
    assert "Nothing to show yet: no one has opened this module" in section
    assert "<table" not in section and "–" not in section
    bad = client.get("/admin/analytics?date_from=yesterday&locale=xx&module=nope")
    assert bad.status_code == 200
    html = bad.data.decode()
    assert "Enter a date like 2025-03-31." in html and "were left out" in html
    assert html.count('class="analytics-module"') == 1  # the first module, alone
    section = module_section(html)
    assert "Nothing to show yet" in section and "<table" not in section
