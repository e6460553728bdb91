"""Self-tests a certificate can rest on: drawn, shuffled, answered in full, limited, reviewed."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from app.models import QuizAttempt, QuizDraw, SectionRead
from tests.conftest import csrf_token, make_app
from tests.learners import api_token, post_event
from tests.quizzes import answer_fields, answer_form, draw_id, shown_questions, take_quiz

URL = "/en/modules/principles/quiz"


def quiz_of(app, locale: str = "en", slug: str = "principles"):
    return app.extensions["content"].course.resolve(locale, slug).module.quiz


def rows(app, model) -> list:
    with app.extensions["db_sessionmaker"]() as session:
        return list(session.scalars(sa.select(model)))


# --- the draw ------------------------------------------------------------------


def test_each_learner_gets_a_draw_that_assesses_every_outcome_twice(app):
    course = app.extensions["content"].course
    module = course.resolve("en", "principles").module
    draws = []
    for _ in range(4):
        page = app.test_client().get(URL).text
        shown = shown_questions(page, module.quiz)
        assert len(shown) == course.draw_size
        outcomes = Counter(item.question.outcome for item in shown)
        assert all(outcomes[outcome] >= 2 for outcome in module.outcomes), outcomes
        draws.append([(item.question.id, item.order) for item in shown])
    # Four learners, four different sets or orders of questions and options.
    assert len({tuple(d) for d in draws}) == 4


def test_a_reload_and_another_language_show_the_same_draw(app, client):
    first = shown_questions(client.get(URL).text, quiz_of(app))
    again = shown_questions(client.get(URL).text, quiz_of(app))
    polish = shown_questions(client.get("/pl/modules/principles/quiz").text, quiz_of(app, "pl"))
    ids = [(item.question.id, item.order) for item in first]
    assert [(item.question.id, item.order) for item in again] == ids
    assert [(item.question.id, item.order) for item in polish] == ids
    assert rows(app, QuizDraw) == []  # a guest's first draw is computed, not stored
    post_event(client, "section-opened", "principles", "what-is-omnichannel")  # now a learner
    stored = shown_questions(client.get(URL).text, quiz_of(app))
    assert [(item.question.id, item.order) for item in stored] == ids
    assert len(rows(app, QuizDraw)) == 0  # still the first draw until it is answered


def test_the_page_names_options_by_their_place_not_by_their_key(client, app):
    page = client.get(URL).text
    for item in shown_questions(page, quiz_of(app)):
        question = item.question
        if question.graded_per_item:
            assert f'name="{question.id}.1"' in page
        else:
            values = [f'name="{question.id}" value="{n}"' for n in range(1, len(item.order) + 1)]
            assert all(value in page for value in values)
            assert f'name="{question.id}" value="a"' not in page


# --- answering ---------------------------------------------------------------


def test_a_submission_with_an_unanswered_question_keeps_the_answers_and_shows_no_key(app, client):
    quiz = quiz_of(app)
    page = client.get(URL).text
    shown = shown_questions(page, quiz)
    form = answer_form(page, quiz)
    skipped = shown[3].question
    for name in [n for n in form if n == skipped.id or n.startswith(skipped.id + ".")]:
        del form[name]
    response = client.post(URL, data=form)
    assert response.status_code == 422
    html = response.text
    assert "Answer every question first" in html
    assert f'<a href="#{skipped.id}">Question 4</a>' in html
    assert f'aria-describedby="{skipped.id}-error"' in html
    assert "correct answer" not in html and "Correct." not in html
    for item in shown:
        assert item.question.explanation_html not in html
    # What was answered is still selected, so nothing typed is lost.
    assert html.count(" checked") + html.count(" selected") >= sum(
        len(v) if isinstance(v, list) else 1
        for k, v in answer_fields(shown[0], True).items()
        if k != "csrf_token"
    )
    assert draw_id(html) == form["draw"] and rows(app, QuizAttempt) == []


def test_grading_shows_what_was_right_then_the_next_attempt_draws_again(app, client):
    quiz = quiz_of(app)
    page = client.get(URL).text
    response = client.post(URL, data=answer_form(page, quiz, right=[True] * 5 + [False] * 5))
    html = response.text
    assert "Your score: 5 of 10 (50%)" in html and "Not passed yet" in html
    for item in shown_questions(page, quiz):
        assert item.question.explanation_html in html
    assert 'href="/en/modules/principles/quiz">Take a new self-test' in html
    assert 'name="draw"' not in html  # the review is not a form to send again
    [attempt] = rows(app, QuizAttempt)
    assert [q["id"] for q in attempt.questions] == [
        i.question.id for i in shown_questions(page, quiz)
    ]
    assert rows(app, QuizDraw) == []
    assert draw_id(client.get(URL).text) != draw_id(page)


def test_sending_a_graded_draw_again_grades_nothing(app, client):
    quiz = quiz_of(app)
    page = client.get(URL).text
    form = answer_form(page, quiz)
    assert client.post(URL, data=form).status_code == 200
    replay = client.post(URL, data=form)
    assert replay.status_code == 409
    assert "These questions were already answered. Here is a new self-test." in replay.text
    assert len(rows(app, QuizAttempt)) == 1


def test_partly_right_ordering_and_matching_earn_part_of_a_point(app, client):
    quiz = quiz_of(app)
    page = client.get(URL).text
    shown = shown_questions(page, quiz)
    form = answer_form(page, quiz)
    item = next(i for i in shown if i.question.graded_per_item)
    keys = item.question.keys
    place = {key: index for index, key in enumerate(item.order, start=1)}
    # The first two items swapped, the rest right.
    if item.question.kind == "ordering":
        form[f"{item.question.id}.{place[keys[0]]}"] = "2"
        form[f"{item.question.id}.{place[keys[1]]}"] = "1"
    else:
        form[f"{item.question.id}.1"] = str(place[keys[1]])
        form[f"{item.question.id}.2"] = str(place[keys[0]])
    html = client.post(URL, data=form).text
    share = (len(keys) - 2) / len(keys)
    score = 9 + share
    assert f"Your score: {score:.3g} of 10" in html
    assert f"Partly right: {len(keys) - 2} of {len(keys)}." in html
    assert html.count("tag--wrong") == 2
    [attempt] = rows(app, QuizAttempt)
    assert attempt.score == pytest.approx(score, abs=0.01)


def test_a_past_attempt_is_reviewed_with_its_own_draw(app, client):
    quiz = quiz_of(app)
    page = client.get(URL).text
    client.post(URL, data=answer_form(page, quiz, right=False))
    [attempt] = rows(app, QuizAttempt)
    review = client.get(f"/en/progress/attempts/{attempt.id}").text
    reviewed = shown_questions(review, quiz)
    answered = shown_questions(page, quiz)
    assert [i.question.id for i in reviewed] == [i.question.id for i in answered]
    for before, after in zip(answered, reviewed, strict=True):
        if before.question.kind != "matching":  # a review lists the learner's answer only
            assert after.order == before.order


def test_an_attempt_from_before_the_banks_is_reviewed_with_the_questions_it_answered(app, client):
    take_quiz(client, URL, quiz_of(app))
    with app.extensions["db_sessionmaker"]() as session:
        attempt = session.scalars(sa.select(QuizAttempt)).one()
        old = {q.id: sorted(q.correct_keys) for q in quiz_of(app).questions[:3]}
        attempt.answers, attempt.questions, attempt.score, attempt.total = old, None, 3, 3
        session.commit()
        attempt_id = attempt.id
    review = client.get(f"/en/progress/attempts/{attempt_id}").text
    assert [i.question.id for i in shown_questions(review, quiz_of(app))] == list(old)
    assert review.count("Correct.") == 3


# --- limits --------------------------------------------------------------------


def test_attempts_are_limited_with_the_time_to_wait_and_the_answers_kept(tmp_path):
    app = make_app(tmp_path, QUIZ_ATTEMPTS_PER_MINUTE=1)
    client = app.test_client()
    quiz = quiz_of(app)
    first = take_quiz(client, URL, quiz, right=False)
    assert re.search(r"You can take a new self-test in (60|59) seconds\.", first.text)
    page = client.get(URL).text
    form = answer_form(page, quiz)
    response = client.post(URL, data=form)
    assert response.status_code == 429 and int(response.headers["Retry-After"]) <= 60
    assert "You can send your answers in" in response.text
    assert draw_id(response.text) == form["draw"]  # the same questions, still answered
    assert " checked" in response.text
    assert len(rows(app, QuizAttempt)) == 1


def test_a_day_allows_a_set_number_of_attempts(tmp_path):
    app = make_app(tmp_path, QUIZ_ATTEMPTS_PER_DAY=2)
    client = app.test_client()
    for _ in range(2):
        assert take_quiz(client, URL, quiz_of(app)).status_code == 200
    limited = take_quiz(client, URL, quiz_of(app))
    assert limited.status_code == 429 and "24 hours" in limited.text
    # Another module has its own budget.
    other = "/en/modules/benefits-and-challenges/quiz"
    assert take_quiz(client, other, quiz_of(app, slug="benefits-and-challenges")).status_code == 200


def test_a_guest_who_clears_cookies_still_meets_the_limit_of_the_address(tmp_path):
    app = make_app(tmp_path, QUIZ_GUEST_ATTEMPTS_PER_ADDRESS=2)
    for _ in range(2):
        assert take_quiz(app.test_client(), URL, quiz_of(app)).status_code == 200
    fresh = app.test_client()  # a new browser, same address
    assert take_quiz(fresh, URL, quiz_of(app)).status_code == 429
    elsewhere = {"environ_base": {"REMOTE_ADDR": "192.0.2.7"}}
    assert take_quiz(app.test_client(), URL, quiz_of(app), **elsewhere).status_code == 200


def test_the_limits_speak_the_learners_language(tmp_path):
    app = make_app(tmp_path, QUIZ_ATTEMPTS_PER_MINUTE=1)
    client = app.test_client()
    url = "/pl/modules/principles/quiz"
    take_quiz(client, url, quiz_of(app, "pl"))
    limited = take_quiz(client, url, quiz_of(app, "pl"))
    assert limited.status_code == 429
    assert "Odpowiedzi możesz wysłać za" in limited.text


# --- reading time ----------------------------------------------------------------

SECTION = "what-is-omnichannel"


def move_opening_back(app, seconds: float) -> None:
    with app.extensions["db_sessionmaker"]() as session:
        for row in session.scalars(sa.select(SectionRead)):
            row.opened_at = row.opened_at - timedelta(seconds=seconds)
        session.commit()


@pytest.fixture
def reading_app(tmp_path):
    return make_app(tmp_path, READING_WORDS_PER_MINUTE=1000)


def test_a_section_marked_read_at_once_is_not_read_yet(reading_app):
    client = reading_app.test_client()
    token = api_token(client)
    post_event(client, "section-opened", "principles", SECTION, token)
    early = post_event(client, "section-read", "principles", SECTION, token)
    section = (
        reading_app.extensions["content"].course.resolve("en", "principles").module.section(SECTION)
    )
    least = round(section.words * 60 / 1000)
    assert early.status_code == 200 and early.json["recorded"] == 0
    [late] = early.json["not_yet"]
    assert late["section"] == SECTION and least - 2 <= late["wait"] <= least + 1
    assert "about" in late["message"]
    assert client.get("/api/progress").json["modules"]["principles"]["sections_read"] == 0
    move_opening_back(reading_app, least + 1)
    again = post_event(client, "section-read", "principles", SECTION, token)
    assert again.json == {"recorded": 1, "not_yet": []}
    assert client.get("/api/progress").json["modules"]["principles"]["sections_read"] == 1


def test_a_read_without_an_opening_counts_as_the_opening(reading_app):
    client = reading_app.test_client()
    response = post_event(client, "section-read", "principles", SECTION)
    assert response.json["recorded"] == 0 and response.json["not_yet"]
    [row] = rows(reading_app, SectionRead)
    assert row.opened_at is not None and row.read_at is None


def test_without_javascript_the_section_is_read_on_its_own_page_then_confirmed(reading_app):
    client = reading_app.test_client()
    url = f"/en/modules/principles/sections/{SECTION}/read"
    page = client.get(url).text
    assert "Omnichannel" in page and '<h2 id="section-title">' in page  # the text to read
    early = client.post(url, data={"csrf_token": csrf_token(page)})
    assert early.status_code == 200 and "about" in early.text and "more" in early.text
    move_opening_back(reading_app, 600)
    done = client.post(url, data={"csrf_token": csrf_token(page)})
    assert done.status_code == 302
    assert client.get("/api/progress").json["modules"]["principles"]["sections_read"] == 1


def test_sections_read_before_the_rule_stay_read(reading_app):
    client = reading_app.test_client()
    post_event(client, "section-opened", "principles", SECTION)
    with reading_app.extensions["db_sessionmaker"]() as session:
        row = session.scalars(sa.select(SectionRead)).one()
        row.read_at = row.opened_at  # read "at once", as the old rule allowed
        session.commit()
    assert client.get("/api/progress").json["modules"]["principles"]["sections_read"] == 1
    again = post_event(client, "section-read", "principles", SECTION)
    assert again.json["recorded"] == 1  # already read: nothing to wait for


def test_attempts_from_before_the_banks_survive_the_migration(tmp_path, database_url):
    from app import create_app
    from app.db import upgrade

    settings = {"INSTANCE_PATH": str(tmp_path / "i"), "DATABASE_URL": database_url}
    app = create_app({"TESTING": True, "CONTENT_WATCH": False, "MAIL_WORKER": False, **settings})
    upgrade(app, "0004")
    quiz = quiz_of(app)
    old = {q.id: sorted(q.correct_keys) for q in quiz.questions[:4]}
    key = "an-old-browser-key-0123456789"
    with app.extensions["db_engine"].begin() as connection:
        connection.execute(
            sa.text("INSERT INTO learners (id, key, created_at) VALUES (1, :key, :now)"),
            {"key": key, "now": datetime(2026, 1, 1)},
        )
        connection.execute(
            sa.text(
                "INSERT INTO quiz_attempts (learner_id, module_slug, locale, content_hash,"
                " answers, score, total, submitted_at)"
                " VALUES (1, 'principles', 'en', 'old', :answers, 4, 4, :now)"
            ),
            {"answers": json.dumps(old), "now": datetime(2026, 1, 1)},
        )
    upgrade(app)
    [attempt] = rows(app, QuizAttempt)
    assert (attempt.score, attempt.total, attempt.questions) == (4, 4, None)
    client = app.test_client()
    client.set_cookie("omnicourse_learner", key)
    review = client.get(f"/en/progress/attempts/{attempt.id}").text
    assert [i.question.id for i in shown_questions(review, quiz)] == list(old)
    assert client.get("/api/progress").json["modules"]["principles"]["quiz"]["passed"] is True
