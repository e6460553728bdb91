"""The feedback form and "was this section helpful?": storing, validation, spam, languages."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.models import Feedback, RateLimitHit, SectionVote, User
from tests.conftest import csrf_token, make_app
from tests.learners import add_user, api_token, counting_queries, login

SLUG = "principles"
XSS = "<script>alert('xss')</script><img src=x onerror=alert(1)>"


def feedback_url(locale: str = "en", slug: str = SLUG) -> str:
    return f"/{locale}/modules/{slug}/feedback"


def send_feedback(client, locale: str = "en", slug: str = SLUG, address="127.0.0.1", **fields):
    """Fill in the form as a learner would (a rating of 4 unless told otherwise) and send it."""
    url = feedback_url(locale, slug)
    token = csrf_token(client.get(url).data)
    data = {"csrf_token": token, "rating": "4", **fields}
    data = {name: value for name, value in data.items() if value is not None}
    return client.post(url, data=data, environ_base={"REMOTE_ADDR": address})


def stored(app, model=Feedback) -> list:
    with app.extensions["db_sessionmaker"]() as session:
        return list(session.scalars(sa.select(model).order_by(*model.__table__.primary_key)))


def module_hash(app, locale: str, slug: str = SLUG) -> str:
    return app.extensions["content"].course.resolve(locale, slug).module.content_hash


# --- the form --------------------------------------------------------------


def test_the_form_asks_every_question_with_labels_and_a_token(client):
    page = client.get(feedback_url())
    assert page.status_code == 200
    html = page.data.decode()
    assert page.headers["Cache-Control"] == "private, no-store"
    for name in ("rating", "clarity", "usefulness", "improve", "comment", "email", "consent"):
        assert f'name="{name}"' in html, name
    assert html.count('name="rating"') == 5  # one radio button per point of the scale
    assert "<legend>Overall, how would you rate this module?" in html
    assert 'for="improve"' in html and 'for="email"' in html
    assert "for nothing else" in html  # the consent text
    assert 'name="anonymous"' not in html  # a guest is anonymous anyway
    assert 'class="feedback-form__trap"' in html and 'name="website"' in html
    csrf_token(html)


def test_accepted_feedback_is_stored_with_module_locale_version_and_time(app, client):
    response = send_feedback(
        client,
        "pl",
        rating="5",
        clarity="3",
        usefulness="4",
        improve="Więcej przykładów z małych sklepów.",
        comment="Dziękuję!",
        email="Ola@Example.com",
        consent="y",
    )
    assert response.status_code == 302
    assert response.location == f"/pl/modules/{SLUG}/feedback/thanks"
    [feedback] = stored(app)
    assert (feedback.module_slug, feedback.locale) == (SLUG, "pl")
    assert feedback.content_hash == module_hash(app, "pl")
    assert (feedback.rating, feedback.clarity, feedback.usefulness) == (5, 3, 4)
    assert feedback.improve == "Więcej przykładów z małych sklepów."
    assert feedback.comment == "Dziękuję!"
    assert feedback.email == "Ola@Example.com" and feedback.contact_consent is True
    assert feedback.user_id is None and feedback.status == "new"
    assert feedback.created_at is not None


def test_only_the_rating_is_required(app, client):
    assert send_feedback(client, rating="1").status_code == 302
    [feedback] = stored(app)
    assert (feedback.clarity, feedback.usefulness, feedback.improve, feedback.email) == (
        None,
        None,
        "",
        None,
    )


@pytest.mark.parametrize("locale", ["en", "pl", "zh", "yo"])
def test_the_thank_you_page_is_in_the_learners_language(app, client, locale):
    response = send_feedback(client, locale)
    thanks = client.get(response.location)
    assert thanks.status_code == 200
    html = thanks.data.decode()
    assert f'<html lang="{locale}"' in html
    assert f'href="/{locale}/modules/{SLUG}/"' in html
    if locale == "en":
        assert "Thank you for your feedback" in html
    assert stored(app)[0].locale == locale


def test_a_signed_in_learner_may_send_with_the_account_or_anonymously(app, client):
    add_user(app, "ada@example.com")
    login(client, "ada@example.com")
    assert 'name="anonymous"' in client.get(feedback_url()).data.decode()
    send_feedback(client, comment="with my name")
    send_feedback(client, comment="without it", anonymous="y")
    with app.extensions["db_sessionmaker"]() as session:
        ada = session.scalar(sa.select(User).where(User.email == "ada@example.com"))
        owners = dict(session.execute(sa.select(Feedback.comment, Feedback.user_id)).all())
    assert owners == {"with my name": ada.id, "without it": None}


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"rating": None}, "rating", "Choose a number from 1 to 5."),
        ({"rating": "7"}, "rating", "Choose a number from 1 to 5."),
        ({"rating": "five"}, "rating", "Choose a number from 1 to 5."),
        ({"clarity": "0"}, "clarity", "Choose a number from 1 to 5."),
        ({"improve": "x" * 2001}, "improve", "Use at most 2000 characters."),
        ({"comment": "y" * 2001}, "comment", "Use at most 2000 characters."),
        ({"email": "not-an-address", "consent": "y"}, "email", "Enter a valid email address"),
        ({"email": "a@example.com"}, "consent", "Tick this box so we may reply"),
        ({"consent": "y"}, "email", "Enter the address we should reply to."),
    ],
)
def test_bad_input_is_refused_with_the_input_kept_and_nothing_stored(
    app, client, fields, field, message
):
    kept = "Keep this text: Zażółć gęślą jaźń"
    other = "improve" if field == "comment" else "comment"
    response = send_feedback(client, **{other: kept, **fields})
    assert response.status_code == 400
    html = response.data.decode()
    errors = re.search(rf'<ul class="field__errors" id="{field}-error">(.*?)</ul>', html, re.S)
    assert errors and message in errors.group(1), html
    assert re.search(rf'aria-describedby="[^"]*{field}-error', html)  # tied to its field
    assert kept in html  # what the learner typed is still there
    if field in ("improve", "comment"):
        assert fields[field] in html
    assert stored(app) == []


@pytest.mark.parametrize(
    ("locale", "message"),
    [
        ("pl", "Podaj poprawny adres e-mail, np. imie@example.com."),
        ("zh", "请输入有效的电子邮箱地址，例如 name@example.com。"),
    ],
)
def test_errors_are_in_the_learners_language(app, client, locale, message):
    response = send_feedback(client, locale, email="nonsense", consent="y")
    assert response.status_code == 400
    html = response.data.decode()
    assert message in html
    assert "Enter a valid email address" not in html


def test_html_and_script_are_stored_as_typed_text(app, client):
    send_feedback(client, improve=XSS, comment=XSS + "\n\nsecond paragraph")
    [feedback] = stored(app)
    assert feedback.improve == XSS
    assert feedback.comment == XSS + "\n\nsecond paragraph"


def test_control_characters_are_dropped_before_storing(app, client):
    assert send_feedback(client, comment="null\x00byte and\x1b escape").status_code == 302
    assert stored(app)[0].comment == "nullbyte and escape"


def test_an_unknown_module_or_language_is_a_404(client):
    assert client.get(feedback_url(slug="no-such-module")).status_code == 404
    assert client.get(feedback_url(locale="xx")).status_code == 404
    token = csrf_token(client.get(feedback_url()).data)
    response = client.post(feedback_url(slug="no-such-module"), data={"csrf_token": token})
    assert response.status_code == 404


def test_a_post_without_a_valid_token_stores_nothing(app, client):
    response = client.post(feedback_url(), data={"rating": "5", "csrf_token": "forged"})
    assert response.status_code == 400
    assert stored(app) == []


def test_the_honeypot_thanks_a_robot_and_stores_nothing(app, client):
    response = send_feedback(client, comment="Cheap pills", website="http://spam.example")
    assert response.status_code == 302 and response.location.endswith("/feedback/thanks")
    assert stored(app) == []


# --- the rate limit --------------------------------------------------------


def test_the_rate_limit_holds_across_worker_processes(tmp_path, database_url):
    settings = {"DATABASE_URL": database_url, "FEEDBACK_LIMIT": 3}
    worker_a = make_app(tmp_path / "a", **settings)
    worker_b = make_app(tmp_path / "b", **settings)  # another process, the same database
    a, b = worker_a.test_client(), worker_b.test_client()
    assert send_feedback(a, comment="one").status_code == 302
    assert send_feedback(b, comment="two").status_code == 302
    assert send_feedback(a, comment="three").status_code == 302
    refused = send_feedback(b, comment="four: my text is kept")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    html = refused.data.decode()
    assert "Please wait 10 minutes and send it again." in html
    assert "four: my text is kept" in html  # nothing the learner typed is lost
    assert len(stored(worker_a)) == 3
    # Another client is not affected, and the table keeps no network addresses.
    assert send_feedback(b, comment="someone else", address="10.0.0.9").status_code == 302
    clients = {row.client for row in stored(worker_a, RateLimitHit)}
    assert len(clients) == 2 and not any("127.0.0.1" in c or "10.0.0.9" in c for c in clients)


def test_the_limit_is_over_when_the_window_has_passed(app, client):
    app.config.update(FEEDBACK_LIMIT=1, FEEDBACK_WINDOW_SECONDS=600)
    assert send_feedback(client).status_code == 302
    assert send_feedback(client).status_code == 429
    with app.extensions["db_sessionmaker"]() as session:
        for row in session.scalars(sa.select(RateLimitHit)):
            row.created_at = row.created_at.replace(year=row.created_at.year - 1)
        session.commit()
    assert send_feedback(client).status_code == 302
    assert len(stored(app)) == 2


def test_invalid_submissions_do_not_use_up_the_limit(app, client):
    app.config.update(FEEDBACK_LIMIT=2)
    for _ in range(4):
        assert send_feedback(client, rating=None).status_code == 400
    assert send_feedback(client).status_code == 302


# --- was this section helpful? ---------------------------------------------


def vote_url(section: str, slug: str = SLUG, locale: str = "en") -> str:
    return f"/{locale}/modules/{slug}/sections/{section}/helpful"


def first_sections(app, count: int = 2) -> list[str]:
    return list(app.extensions["content"].course.resolve("en", SLUG).module.section_ids[:count])


def test_every_section_asks_whether_it_was_helpful(app, client):
    html = client.get(f"/en/modules/{SLUG}/").data.decode()
    ids = app.extensions["content"].course.resolve("en", SLUG).module.section_ids
    for section in ids:
        assert f'href="{vote_url(section)}?answer=yes"' in html
        assert f'href="{vote_url(section)}?answer=no"' in html
    assert html.count("data-section-vote=") == len(ids)
    assert "js/feedback.js" in html and 'data-token-url="/api/token"' in html


def test_the_module_page_stays_shared_with_no_query_and_no_cookie(app, client):
    with counting_queries(app) as statements:
        response = client.get(f"/en/modules/{SLUG}/")
    assert statements == [] and "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"].startswith("public")
    assert 'name="csrf_token"' not in response.data.decode()


def test_voting_without_javascript_uses_a_small_form_page(app, client):
    section = first_sections(app)[0]
    page = client.get(vote_url(section) + "?answer=no")
    assert page.status_code == 200
    html = page.data.decode()
    assert re.search(r'<input[^>]*checked[^>]*value="no"|<input[^>]*value="no"[^>]*checked', html)
    response = client.post(
        vote_url(section), data={"csrf_token": csrf_token(html), "helpful": "no"}
    )
    assert response.status_code == 302
    assert response.location == f"/en/modules/{SLUG}/#{section}"
    assert "Thank you for telling us." in client.get(response.location).data.decode()
    [vote] = stored(app, SectionVote)
    assert (vote.module_slug, vote.section_id, vote.helpful, vote.locale) == (
        SLUG,
        section,
        False,
        "en",
    )
    again = client.get(vote_url(section)).data.decode()
    assert "You did not find this section helpful." in again


def test_the_script_votes_with_json_and_a_second_vote_replaces_the_first(app, client):
    section = first_sections(app)[0]
    headers = {"X-CSRFToken": api_token(client)}
    first = client.post(vote_url(section, locale="zh"), json={"helpful": "yes"}, headers=headers)
    assert first.status_code == 200 and first.json["recorded"] is True
    assert first.json["helpful"] is True and first.json["message"]
    client.post(vote_url(section), json={"helpful": "no"}, headers=headers)
    [vote] = stored(app, SectionVote)
    assert vote.helpful is False and vote.locale == "en"


@pytest.mark.parametrize("body", [{"helpful": "maybe"}, {}, ["yes"], "yes", {"helpful": 1}])
def test_a_bad_json_vote_is_refused_and_stores_nothing(app, client, body):
    headers = {"X-CSRFToken": api_token(client)}
    response = client.post(vote_url(first_sections(app)[0]), json=body, headers=headers)
    assert response.status_code == 400
    assert response.json["error"] == "invalid" and response.json["message"] == "Choose yes or no."
    assert stored(app, SectionVote) == []


def test_votes_without_a_token_or_for_unknown_sections_are_refused(app, client):
    section = first_sections(app)[0]
    assert client.post(vote_url(section), json={"helpful": "yes"}).status_code == 400
    headers = {"X-CSRFToken": api_token(client)}
    missing = client.post(vote_url("no-such-section"), json={"helpful": "yes"}, headers=headers)
    assert missing.status_code == 404
    assert client.get(vote_url(section, slug="nope")).status_code == 404
    assert stored(app, SectionVote) == []


def test_votes_are_rate_limited_too(app, client):
    app.config.update(SECTION_VOTE_LIMIT=2)
    headers = {"X-CSRFToken": api_token(client)}
    a, b = first_sections(app)
    assert client.post(vote_url(a), json={"helpful": "yes"}, headers=headers).status_code == 200
    assert client.post(vote_url(b), json={"helpful": "yes"}, headers=headers).status_code == 200
    refused = client.post(vote_url(a), json={"helpful": "no"}, headers=headers)
    assert refused.status_code == 429 and refused.json["error"] == "too-many"
    assert [v.helpful for v in stored(app, SectionVote)] == [True, True]


def test_feedback_that_cannot_be_stored_is_handed_back_not_lost(app, client):
    with app.extensions["db_engine"].begin() as connection:  # the database breaks
        connection.exec_driver_sql("ALTER TABLE feedback RENAME TO feedback_away")
    response = send_feedback(client, comment="Please keep what I wrote")
    assert response.status_code == 503
    html = response.data.decode()
    assert "could not be saved just now" in html
    assert "Please keep what I wrote" in html
