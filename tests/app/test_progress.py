"""Progress: the JSON API, events, self-test attempts, merging into accounts, concurrency."""

from __future__ import annotations

import json
import threading

import pytest
import sqlalchemy as sa

from app.models import Learner, Progress, QuizAttempt, SectionRead
from course.quiz import points
from tests.conftest import csrf_token, make_app
from tests.learners import add_user, api_token, login, logout, post_event, progress_of, register
from tests.quizzes import answer_form, shown_questions
from tests.quizzes import take_quiz as answer_quiz

SLUG = "principles"


def sections(app, slug: str = SLUG) -> list[str]:
    return list(app.extensions["content"].course.resolve("en", slug).module.section_ids)


def quiz_of(app, slug: str = SLUG, locale: str = "en"):
    return app.extensions["content"].course.resolve(locale, slug).module.quiz


def take_quiz(client, app, correct: bool = True, locale: str = "en", slug: str = SLUG):
    """Open the self-test and answer what it shows: every answer right, or every one wrong."""
    return answer_quiz(
        client, f"/{locale}/modules/{slug}/quiz", quiz_of(app, slug, locale), correct
    )


def rows(app, model) -> list:
    with app.extensions["db_sessionmaker"]() as session:
        return list(session.scalars(sa.select(model)))


# --- the API ---------------------------------------------------------------


def test_a_new_browser_has_no_progress_and_gets_no_cookie(app, client):
    response = client.get("/api/progress")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    data = response.json
    assert data["learner"] is False and data["authenticated"] is False
    assert data["pass_threshold"] == 0.7  # from content/course.yaml
    module = data["modules"][SLUG]
    assert module["sections_read"] == 0 and module["sections_total"] == len(sections(app))
    assert module["next_section"] == "what-is-omnichannel"
    assert response.headers["Cache-Control"] == "private, no-store"


def test_the_first_event_gives_the_browser_a_learner_cookie(app, client):
    first = post_event(client, "section-opened", SLUG, sections(app)[0])
    assert first.status_code == 200 and first.json == {"recorded": 1, "not_yet": []}
    cookies = [c for c in first.headers.getlist("Set-Cookie") if "omnicourse_learner=" in c]
    assert len(cookies) == 1
    assert "HttpOnly" in cookies[0] and "SameSite=Lax" in cookies[0]
    second = post_event(client, "section-read", SLUG, sections(app)[0])
    assert not [c for c in second.headers.getlist("Set-Cookie") if "omnicourse_learner=" in c]
    assert len(rows(app, Learner)) == 1


def test_events_are_recorded_once_however_often_they_are_sent(app, client):
    first, second = sections(app)[:2]
    token = api_token(client)
    for _ in range(3):
        assert post_event(client, "section-read", SLUG, first, token).status_code == 200
    post_event(client, "section-opened", SLUG, second, token)
    post_event(client, "audio-listened", SLUG, second, token)
    post_event(client, "audio-listened", SLUG, None, token)
    module = progress_of(client, SLUG)
    assert module["sections_read"] == 1
    assert module["sections"][first] == {"opened": False, "read": True, "audio": False}
    assert module["sections"][second] == {"opened": True, "read": False, "audio": True}
    assert module["audio_listened"] is True
    assert module["next_section"] == second and module["last_section"] == second
    assert len(rows(app, SectionRead)) == 2 and len(rows(app, Progress)) == 1


def test_several_events_in_one_request(app, client):
    body = {
        "events": [{"event": "section-opened", "module": SLUG, "section": s} for s in sections(app)]
        + [{"event": "section-read", "module": SLUG, "section": sections(app)[0]}] * 2
    }
    response = client.post("/api/progress", json=body, headers={"X-CSRFToken": api_token(client)})
    assert response.json == {"recorded": len(sections(app)) + 2, "not_yet": []}
    module = progress_of(client, SLUG)
    assert all(s["opened"] for s in module["sections"].values())
    assert module["sections_read"] == 1


def progress_without_token(client) -> dict:
    """The learner's progress; the CSRF token (signed with the time) is left out."""
    data = client.get("/api/progress").json
    data.pop("csrf_token", None)
    return data


GOOD = {"event": "section-read", "module": SLUG, "section": "what-is-omnichannel"}


@pytest.mark.parametrize(
    ("body", "content_type", "code"),
    [
        ({**GOOD, "module": "no-such-module"}, "application/json", "unknown-module"),
        ({**GOOD, "module": 42}, "application/json", "unknown-module"),
        ({**GOOD, "section": "no-such-section"}, "application/json", "unknown-section"),
        ({**GOOD, "section": None}, "application/json", "missing-section"),
        ({**GOOD, "event": "section-skipped"}, "application/json", "unknown-event"),
        ({"events": [GOOD, {**GOOD, "section": "nope"}]}, "application/json", "unknown-section"),
        ({"events": [GOOD] * 51}, "application/json", "too-many"),
        ({"events": []}, "application/json", "malformed"),
        (["not", "an", "object"], "application/json", "malformed"),
        ('{"event": "section-read", "module": ', "application/json", "malformed"),
        (b"\xff\xfe not utf-8", "application/json", "malformed"),
        ('{"padding": "' + "x" * 10_000 + '"}', "application/json", "too-large"),
        ("event=section-read", "application/x-www-form-urlencoded", "not-json"),
    ],
)
def test_bad_events_are_refused_and_change_nothing(app, client, body, content_type, code):
    post_event(client, "section-opened", SLUG, sections(app)[1])
    before = progress_without_token(client)
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    response = client.post(
        "/api/progress",
        data=data,
        content_type=content_type,
        headers={"X-CSRFToken": api_token(client)},
    )
    assert response.status_code == 400
    assert response.json["error"] == code
    assert response.json["message"]  # a sentence for people
    assert progress_without_token(client) == before


def test_a_huge_body_is_refused_before_it_is_read(client):
    response = client.post(
        "/api/progress",
        data=b"[" + b"1," * 2_000_000 + b"1]",
        content_type="application/json",
        headers={"X-CSRFToken": api_token(client)},
    )
    assert response.status_code == 400 and response.json["error"] == "too-large"


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_posting_without_a_valid_csrf_token_is_refused(app, client, token):
    headers = {"X-CSRFToken": token} if token else {}
    client.get("/api/token")  # the browser has a session
    response = client.post("/api/progress", json=GOOD, headers=headers)
    assert response.status_code == 400
    assert response.json["error"] == "csrf"
    assert rows(app, SectionRead) == [] and rows(app, Learner) == []


def test_a_signed_in_learner_gets_the_token_with_the_progress(app, client):
    add_user(app, "ada@example.com")
    login(client, "ada@example.com")
    data = client.get("/api/progress").json
    assert data["authenticated"] is True and data["learner"] is True
    response = post_event(client, "section-read", SLUG, sections(app)[0], data["csrf_token"])
    assert response.status_code == 200
    assert not [c for c in response.headers.getlist("Set-Cookie") if "omnicourse_learner" in c]


# --- following the learner -------------------------------------------------


def test_progress_is_per_module_not_per_language(app, client):
    section = sections(app)[2]
    page = client.get(f"/pl/modules/{SLUG}/sections/{section}/read")
    assert page.status_code == 200
    client.post(
        f"/pl/modules/{SLUG}/sections/{section}/read", data={"csrf_token": csrf_token(page.data)}
    )
    assert progress_of(client, SLUG)["sections"][section]["read"] is True
    english = client.get("/en/progress").data.decode()
    title = app.extensions["content"].course.resolve("en", SLUG).module.section(section).title
    assert f"1 of {len(sections(app))}" in english and title in english


def test_logging_in_merges_the_browsers_progress_without_duplicates(tmp_path, database_url):
    app = make_app(tmp_path, DATABASE_URL=database_url)
    add_user(app, "ada@example.com")
    one, two, three = sections(app)[:3]
    laptop = app.test_client()
    login(laptop, "ada@example.com")
    post_event(laptop, "section-read", SLUG, one)
    post_event(laptop, "section-opened", SLUG, two)
    take_quiz(laptop, app, correct=False)

    phone = app.test_client()  # a guest first
    post_event(phone, "section-read", SLUG, one)
    post_event(phone, "section-read", SLUG, two)
    post_event(phone, "audio-listened", SLUG, three)
    take_quiz(phone, app, correct=True)
    response = login(phone, "ada@example.com")
    assert any(
        c.startswith("omnicourse_learner=;") for c in response.headers.getlist("Set-Cookie")
    )  # the browser's own learner is forgotten

    for client in (phone, laptop):
        module = progress_of(client, SLUG)
        assert module["sections_read"] == 2
        assert module["sections"][two] == {"opened": True, "read": True, "audio": False}
        assert module["sections"][three]["audio"] is True
        assert module["quiz"]["attempts"] == 2
        assert module["quiz"]["best"]["percent"] == 100
    assert len(rows(app, Learner)) == 1
    assert len(rows(app, SectionRead)) == 3 and len(rows(app, Progress)) == 1

    # Guest again on the same phone, then back in: still nothing counted twice.
    logout(phone)
    assert progress_of(phone, SLUG)["sections_read"] == 0
    post_event(phone, "section-read", SLUG, one)
    post_event(phone, "section-read", SLUG, three)
    login(phone, "ada@example.com")
    module = progress_of(laptop, SLUG)
    assert module["sections_read"] == 3 and module["quiz"]["attempts"] == 2
    assert len(rows(app, Learner)) == 1 and len(rows(app, SectionRead)) == 3


def test_registering_keeps_what_was_done_as_a_guest(app, client):
    post_event(client, "section-read", SLUG, sections(app)[0])
    take_quiz(client, app)
    register(client, "ada@example.com")
    module = progress_of(client, SLUG)
    assert module["sections_read"] == 1 and module["quiz"]["attempts"] == 1
    [learner] = rows(app, Learner)
    assert learner.user_id is not None and learner.key is None
    elsewhere = app.test_client()
    login(elsewhere, "ada@example.com")
    assert progress_of(elsewhere, SLUG)["sections_read"] == 1


def test_a_guest_cookie_cannot_reach_an_accounts_progress(app, client):
    post_event(client, "section-read", SLUG, sections(app)[0])
    key = client.get_cookie("omnicourse_learner").value
    register(client, "ada@example.com")
    thief = app.test_client()
    thief.set_cookie("omnicourse_learner", key)
    assert progress_of(thief, SLUG)["sections_read"] == 0
    post_event(thief, "section-read", SLUG, sections(app)[1])
    assert progress_of(client, SLUG)["sections_read"] == 1


def test_two_writers_at_once_lose_nothing(tmp_path, database_url):
    worker_a = make_app(tmp_path / "a", DATABASE_URL=database_url)
    worker_b = make_app(tmp_path / "b", DATABASE_URL=database_url)  # another process
    ids = sections(worker_a)
    a = worker_a.test_client()
    post_event(a, "section-opened", SLUG, ids[0])
    b = worker_b.test_client()
    b.set_cookie("omnicourse_learner", a.get_cookie("omnicourse_learner").value)
    plans = {
        a: [(kind, s) for s in ids for kind in ("section-opened", "section-read")] * 3,
        b: [(kind, s) for s in reversed(ids) for kind in ("section-read", "audio-listened")] * 3,
    }
    start = threading.Barrier(2)
    statuses: list[int] = []

    def write(client) -> None:
        token = api_token(client)
        start.wait()
        for kind, section in plans[client]:
            statuses.append(post_event(client, kind, SLUG, section, token).status_code)

    threads = [threading.Thread(target=write, args=(c,)) for c in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * sum(len(p) for p in plans.values())
    module = progress_of(a, SLUG)
    assert module["sections_read"] == len(ids)
    assert all(
        s == {"opened": True, "read": True, "audio": True} for s in module["sections"].values()
    )
    assert len(rows(worker_a, SectionRead)) == len(ids)
    assert len(rows(worker_a, Progress)) == 1 and len(rows(worker_a, Learner)) == 1


# --- self-test attempts ----------------------------------------------------


def test_every_graded_self_test_is_stored(app, client):
    assert take_quiz(client, app, correct=True, locale="pl").status_code == 200
    take_quiz(client, app, correct=False, locale="en")
    attempts = sorted(rows(app, QuizAttempt), key=lambda a: a.id)
    assert [a.locale for a in attempts] == ["pl", "en"]
    perfect, failed = attempts
    assert perfect.score == perfect.total == app.extensions["content"].course.draw_size
    assert failed.score == 0
    polish = app.extensions["content"].course.resolve("pl", SLUG).module
    assert perfect.content_hash == polish.content_hash
    # The draw is stored with the answers, each answer in the form of course.quiz.
    assert [item["id"] for item in perfect.questions] == list(perfect.answers)
    for question_id, answer in perfect.answers.items():
        question = polish.quiz.question(question_id)
        assert points(question, answer) == 1.0
    assert perfect.submitted_at <= failed.submitted_at


def test_the_quiz_page_shows_the_best_and_the_last_score(app, client):
    page = client.get(f"/en/modules/{SLUG}/quiz").data.decode()
    assert "Your best score" not in page
    take_quiz(client, app, correct=True)
    page = take_quiz(client, app, correct=False).data.decode()
    total = app.extensions["content"].course.draw_size
    assert f"Your best score: <strong>{total} of {total} (100%)</strong>" in page
    assert f"Your last score: <strong>0 of {total} (0%)</strong>" in page
    assert "2 attempts" in page


def test_another_learners_attempt_is_not_found(app, client):
    take_quiz(client, app)
    [attempt] = rows(app, QuizAttempt)
    mine = client.get(f"/en/progress/attempts/{attempt.id}")
    assert mine.status_code == 200 and b"correct answer" in mine.data  # in every draw
    other = app.test_client()
    take_quiz(other, app)
    assert other.get(f"/en/progress/attempts/{attempt.id}").status_code == 404
    assert app.test_client().get(f"/en/progress/attempts/{attempt.id}").status_code == 404


# --- completion ------------------------------------------------------------


@pytest.mark.parametrize(("threshold", "completed"), [(0.6, True), (0.7, False)])
def test_a_module_is_completed_when_read_and_passed_at_the_course_threshold(
    tmp_path, content, threshold, completed
):
    content.write_config(pass_threshold=threshold)
    content.module()
    app = make_app(tmp_path, content.root)
    client = app.test_client()
    for section in ("what-it-means", "why-it-matters"):
        post_event(client, "section-read", "basics", section)
    assert progress_of(client, "basics")["completed"] is False  # the self-test is missing
    url = "/en/modules/basics/quiz"
    quiz = quiz_of(app, "basics")
    page = client.get(url).text
    # Two of three right: 67 %.
    rights = [item.question.id != "q-tf" for item in shown_questions(page, quiz)]
    client.post(url, data=answer_form(page, quiz, rights))
    module = progress_of(client, "basics")
    assert module["quiz"]["best"]["percent"] == 67
    assert module["completed"] is completed
    page = client.get("/en/progress").data.decode()
    assert ('class="badge badge--done"' in page) is completed
    assert f"at least {round(threshold * 100)}%" in page


# --- pages -----------------------------------------------------------------


def test_the_progress_page_says_where_to_continue(app, client):
    one, two = sections(app)[:2]
    post_event(client, "section-read", SLUG, one)
    take_quiz(client, app, correct=False)
    page = client.get("/en/progress")
    assert page.headers["Cache-Control"] == "private, no-store"
    html = page.data.decode()
    assert f'href="/en/modules/{SLUG}/#{two}">Continue where you left off' in html
    assert f"1 of {len(sections(app))}" in html and "Last:" in html and "1 attempt" in html
    assert "Recent self-test attempts" in html


def test_a_new_visitors_progress_page_invites_to_start_and_sets_no_learner(client):
    response = client.get("/en/progress")
    html = response.data.decode()
    assert "You have not started any module yet." in html
    assert "Create an account" in html
    assert "omnicourse_learner" not in response.headers.get("Set-Cookie", "")


def test_mark_as_read_works_without_javascript(app, client):
    module = client.get(f"/en/modules/{SLUG}/").data.decode()
    section = sections(app)[1]
    link = f"/en/modules/{SLUG}/sections/{section}/read"
    assert f'href="{link}"' in module  # a plain link in every section
    page = client.get(link)
    assert page.status_code == 200 and b'method="post"' in page.data
    response = client.post(link, data={"csrf_token": csrf_token(page.data)})
    assert response.status_code == 302
    assert response.location == f"/en/modules/{SLUG}/#{section}"
    back = client.get(response.location).data.decode()
    assert "is marked as read" in back
    assert progress_of(client, SLUG)["sections"][section]["read"] is True
    assert b"You have already read this section." in client.get(link).data
    assert client.get(f"/en/modules/{SLUG}/sections/nope/read").status_code == 404
    assert client.post(link).status_code == 400  # no token: nothing recorded twice or forged


def test_module_page_and_home_for_a_guest_run_no_query_and_set_no_cookie(app, client):
    post_event(client, "section-read", SLUG, sections(app)[0])  # the browser has a learner
    client.delete_cookie("omnicourse_session")
    from tests.learners import counting_queries

    for url in ("/en/", f"/en/modules/{SLUG}/", "/en/", f"/en/modules/{SLUG}/"):
        with counting_queries(app) as statements:
            response = client.get(url)
        assert response.status_code == 200
        assert statements == [], url
        assert "Set-Cookie" not in response.headers, url
        assert response.headers["Cache-Control"].startswith("public"), url


def test_a_signed_in_learners_module_page_adds_one_indexed_query(app, client):
    from tests.learners import counting_queries

    add_user(app, "ada@example.com")
    login(client, "ada@example.com")
    with counting_queries(app) as statements:
        response = client.get(f"/en/modules/{SLUG}/")
    assert response.status_code == 200 and b'href="/auth/logout?lang=en"' in response.data
    assert len(statements) == 1
    statement, parameters = statements[0]
    with app.extensions["db_engine"].connect() as connection:
        plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
    details = " | ".join(row[-1] for row in plan)
    assert "SCAN" not in details, details  # every table is reached through an index
    assert "USING INDEX" in details or "USING COVERING INDEX" in details, details


def test_the_pages_carry_the_progress_script_and_hooks(app, client):
    home = client.get("/en/").data.decode()
    assert "js/progress.js" in home and 'data-api="/api/progress?lang=en"' in home
    assert f'data-module="{SLUG}"' in home
    module = client.get(f"/en/modules/{SLUG}/").data.decode()
    assert module.count("data-mark-read") == len(sections(app))
