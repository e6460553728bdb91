"""Regression tests for attacks on the running platform: each one failed once.

Sessions, sign-up, passwords, lockout, reset and hosts have files of their own
(test_sessions, test_signup, test_passwords, test_lockout, test_recovery,
test_hosts); these are the rest: odd input, unthrottled writes, small leaks.
"""

from __future__ import annotations

import sqlalchemy as sa

from app.models import Feedback, Learner, QuizDraw, RateLimitHit, SectionRead, User
from tests.app.test_admin import add_feedback, signed_in
from tests.conftest import csrf_token, make_app
from tests.learners import add_user, api_token, login, post_event
from tests.quizzes import take_quiz

COURSE_QUIZ_URL = "/en/modules/principles/quiz"


def count(app, model) -> int:
    with app.extensions["db_sessionmaker"]() as db:
        return db.scalar(sa.select(sa.func.count()).select_from(model))


# --- odd input ------------------------------------------------------------------


def test_json_nested_thousands_deep_is_a_clear_400(client):
    body = "[" * 4000 + "]" * 4000
    response = client.post(
        "/api/progress",
        data=body,
        content_type="application/json",
        headers={"X-CSRFToken": api_token(client)},
    )
    assert response.status_code == 400
    assert response.json == {"error": "malformed", "message": "The request is not valid JSON."}


def test_the_last_day_there_is_as_a_filter_is_no_error(app):
    add_feedback(app, comment="kept")
    admin = signed_in(app, "admin")
    for path in ("/admin/feedback", "/admin/analytics"):
        response = admin.get(
            path, query_string={"date_from": "2000-01-01", "date_to": "9999-12-31"}
        )
        assert response.status_code == 200, path
    exported = admin.get("/admin/feedback.csv", query_string={"date_to": "9999-12-31"})
    assert exported.status_code == 200 and "kept" in exported.get_data(as_text=True)


def split_outside_quotes(line: str, separator: str) -> list[str]:
    """Cells as a spreadsheet program reads a line: split at separators outside quotes."""
    cells, cell, quoted = [], "", False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif char == separator and not quoted:
            cells.append(cell)
            cell = ""
            continue
        cell += char
    return [*cells, cell]


def test_every_csv_field_is_quoted_so_no_separator_starts_a_formula(app):
    add_feedback(app, comment="x;=1+1;y", improve="a\t=2+2")
    response = signed_in(app, "admin").get("/admin/feedback.csv")
    text = response.data.decode("utf-8-sig")
    assert '"x;=1+1;y"' in text and '"a\t=2+2"' in text
    for line in text.splitlines():
        assert line.startswith('"') and line.endswith('"')
        for separator in (";", "\t", ","):  # Polish, German, French spreadsheets split at ";"
            for cell in split_outside_quotes(line, separator):
                assert not cell.startswith(("=", "+", "@", "-")), (separator, cell)


# --- writes that cost nothing to send ------------------------------------------------


def test_looking_around_without_cookies_stores_nothing(app):
    paths = ["/en/", "/en/modules/principles/", COURSE_QUIZ_URL,
             "/en/modules/principles/sections/what-is-omnichannel/read", "/en/progress",
             "/api/progress"]  # fmt: skip
    for _ in range(10):
        for path in paths:
            assert app.test_client().get(path).status_code == 200, path
    assert count(app, Learner) == 0 and count(app, QuizDraw) == 0


def test_a_guest_sees_the_same_first_draw_on_reload_and_becomes_a_learner_by_answering(app):
    from tests.app.test_selftest import quiz_of
    from tests.quizzes import answer_form, shown_questions

    client = app.test_client()
    first = shown_questions(client.get(COURSE_QUIZ_URL).text, quiz_of(app))
    again = shown_questions(client.get(COURSE_QUIZ_URL).text, quiz_of(app))
    polish = shown_questions(client.get("/pl/modules/principles/quiz").text, quiz_of(app, "pl"))
    ids = [[shown.question.id for shown in draw] for draw in (first, again, polish)]
    assert ids[0] == ids[1] == ids[2]
    assert count(app, Learner) == 0
    answers = answer_form(client.get(COURSE_QUIZ_URL).text, quiz_of(app))
    assert client.post(COURSE_QUIZ_URL, data=answers).status_code == 200
    assert count(app, Learner) == 1
    replayed = client.post(COURSE_QUIZ_URL, data=answers)
    assert replayed.status_code == 409  # the first draw was answered: a new one is shown
    assert count(app, QuizDraw) == 1  # ...and stored, as every later draw is


def test_a_guest_answering_two_first_draws_keeps_both(app):
    from tests.app.test_selftest import quiz_of
    from tests.quizzes import answer_form

    client = app.test_client()
    first = client.get(COURSE_QUIZ_URL).text
    other_url = "/en/modules/multichannel-vs-omnichannel/quiz"
    other = client.get(other_url).text
    assert client.post(COURSE_QUIZ_URL, data=answer_form(first, quiz_of(app))).status_code == 200
    quiz = quiz_of(app, slug="multichannel-vs-omnichannel")
    assert client.post(other_url, data=answer_form(other, quiz)).status_code == 200


def test_new_guests_from_one_address_are_limited(tmp_path):
    app = make_app(tmp_path, NEW_GUESTS_PER_ADDRESS=5)
    answers = []
    for _ in range(7):
        client = app.test_client()
        answers.append(post_event(client, "section-opened", "principles", "what-is-omnichannel"))
    assert [a.status_code for a in answers] == [200] * 5 + [429] * 2
    assert answers[-1].json["error"] == "too-many-requests"
    assert int(answers[-1].headers["Retry-After"]) > 0
    assert count(app, Learner) == 5


def test_progress_writes_are_limited_per_learner(tmp_path):
    app = make_app(tmp_path, API_WRITES_PER_LEARNER=3)
    client = app.test_client()
    token = api_token(client)
    codes = [
        post_event(client, "section-opened", "principles", "what-is-omnichannel", token).status_code
        for _ in range(5)
    ]
    assert codes == [200, 200, 200, 429, 429]
    other = app.test_client()  # another learner at the same address is not held back
    assert (
        post_event(other, "section-opened", "principles", "what-is-omnichannel").status_code == 200
    )


def test_self_test_forms_are_limited_per_address_answered_or_not(tmp_path):
    app = make_app(tmp_path, QUIZ_POSTS_PER_ADDRESS=3)
    client = app.test_client()
    token = csrf_token(client.get(COURSE_QUIZ_URL).data)
    codes = [client.post(COURSE_QUIZ_URL, data={"csrf_token": token}).status_code for _ in range(4)]
    assert codes == [409, 409, 409, 429]


def test_rate_limit_rows_keep_no_address_or_email(app):
    add_user(app, "ada@example.com")
    login(app.test_client(), "ada@example.com", "wrong password", address="203.0.113.9")
    with app.extensions["db_sessionmaker"]() as db:
        [row] = db.scalars(sa.select(RateLimitHit)).all()
    stored = f"{row.client}{row.network}{row.subject}"
    assert "203.0.113" not in stored and "ada" not in stored


# --- small leaks ------------------------------------------------------------------


def test_the_self_test_is_never_cached(app, client):
    from tests.app.test_selftest import quiz_of

    assert client.get(COURSE_QUIZ_URL).headers["Cache-Control"] == "private, no-store"
    missing = client.post(
        COURSE_QUIZ_URL, data={"csrf_token": csrf_token(client.get(COURSE_QUIZ_URL).data)}
    )
    assert missing.headers["Cache-Control"] == "private, no-store"
    graded = take_quiz(client, COURSE_QUIZ_URL, quiz_of(app))
    assert graded.headers["Cache-Control"] == "private, no-store"


def test_a_link_to_a_language_does_not_change_the_account(app, client):
    add_user(app, "ada@example.com")
    login(client, "ada@example.com")
    client.get("/language/pl?next=/pl/")  # e.g. an image on another site pointing here
    with app.extensions["db_sessionmaker"]() as db:
        assert db.scalar(sa.select(User.locale)) is None
    refused = client.post("/language/pl")  # no form token
    assert refused.status_code == 400
    header = client.get("/en/").text
    assert 'action="/language/pl?next=/pl/"' in header and 'method="post"' in header
    client.post("/language/pl?next=/pl/", data={"csrf_token": csrf_token(header)})
    with app.extensions["db_sessionmaker"]() as db:
        assert db.scalar(sa.select(User.locale)) == "pl"


def test_feedback_and_reads_leave_rows_only_when_sent(app):
    assert count(app, Feedback) == 0 and count(app, SectionRead) == 0


def test_a_borrowed_session_cannot_guess_the_password_through_the_account_forms(app, client):
    add_user(app, "ada@example.com")
    login(client, "ada@example.com")
    token = csrf_token(client.get("/auth/password").data)
    answers = []
    for number in range(6):
        data = {"csrf_token": token, "current": f"guess {number}",
                "password": "a new passphrase", "confirm": "a new passphrase"}  # fmt: skip
        answers.append(client.post("/auth/password", data=data).text)
    assert "Your current password is not correct." in answers[0]
    assert "Too many failed attempts" in answers[-1]
    email = {"csrf_token": token, "email": "new@example.com", "current": "correct horse battery"}
    assert "Too many failed attempts" in client.post("/auth/email", data=email).text
