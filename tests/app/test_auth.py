"""Accounts: register, log in and out, sessions, password change, deletion, failed-login limits."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from app.models import Learner, Progress, QuizAttempt, RateLimitHit, SectionRead, User
from course import load_course
from tests.conftest import REAL_CONTENT, csrf_token, make_app
from tests.learners import PASSWORD, add_user, confirm_link, login, logout, post_event, register
from tests.mail import outbox
from tests.quizzes import take_quiz

COURSE_QUIZ = load_course(REAL_CONTENT).resolve("en", "principles").module.quiz


def users(app) -> list[User]:
    with app.extensions["db_sessionmaker"]() as session:
        return list(session.scalars(sa.select(User)))


def test_register_creates_an_account_and_its_link_logs_in(app, client):
    response = register(client, "  Ada@Example.COM ", follow_link=False)
    assert response.status_code == 302 and response.location.startswith("/auth/check-inbox")
    [user] = users(app)
    assert user.email == "ada@example.com" and user.role == "learner"
    assert user.password_hash.startswith("scrypt:")  # a modern, salted, slow hash
    assert PASSWORD not in user.password_hash
    assert not user.email_verified
    inbox = client.get(response.location)
    assert b"We have sent a message to ada@example.com." in inbox.data
    assert client.get("/auth/account").status_code == 302  # not logged in by the form alone

    assert confirm_link(client, "ada@example.com").status_code == 302
    account = client.get("/auth/account")
    assert account.status_code == 200
    assert b"ada@example.com" in account.data and b"Confirmed" in account.data
    [user] = users(app)
    assert user.email_verified
    page = client.get("/en/").data.decode()
    assert 'href="/auth/logout?lang=en"' in page and 'href="/auth/login' not in page


@pytest.mark.parametrize(
    ("email", "password", "confirm", "message"),
    [
        ("", PASSWORD, None, "Enter your email address."),
        ("not-an-address", PASSWORD, None, "Enter a valid email address"),
        ("a@example.com", "short", None, "Use at least 12 characters."),
        ("a@example.com", "password", None, "one of the most common passwords"),
        ("a@example.com", PASSWORD, "something else", "The two passwords are not the same."),
    ],
)
def test_bad_registrations_are_refused_with_a_clear_message(
    app, client, email, password, confirm, message
):
    response = register(client, email, password, confirm)
    assert response.status_code == 400
    page = response.data.decode()
    assert message in page
    assert 'aria-invalid="true"' in page  # the field with the problem is marked for screen readers
    assert users(app) == []


def test_an_address_can_have_only_one_account_and_nobody_learns_it_has_one(app, client):
    register(client, "ada@example.com")
    logout(client)
    response = register(client, "ADA@example.com", "another password", follow_link=False)
    new = register(app.test_client(), "bob@example.com", "another password", follow_link=False)
    assert response.status_code == new.status_code == 302
    assert response.location == new.location
    assert b"already" not in client.get(response.location).data
    assert len(users(app)) == 2
    # Only the owner of the address hears that it has an account, by email.
    [first, second] = [m.kind for m in outbox(app, "ada@example.com")]
    assert (first, second) == ("verify-email", "already-registered")


def test_form_errors_are_translated(tmp_path, client):
    translations = tmp_path / "translations"
    folder = translations / "pl" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    catalog = Catalog(locale="pl")
    catalog.add("Enter your email address.", "Podaj swój adres e-mail.")
    catalog.add("The email address or the password is not correct.", "Zły e-mail lub hasło.")
    with (folder / "messages.mo").open("wb") as handle:
        write_mo(handle, catalog)
    app = make_app(tmp_path / "pl", TRANSLATIONS_DIR=str(translations))
    client = app.test_client()
    client.set_cookie("omnicourse_locale", "pl")
    response = register(client, "")
    assert "Podaj swój adres e-mail." in response.data.decode()
    response = login(client, "nobody@example.com")
    assert "Zły e-mail lub hasło." in response.data.decode()


def test_login_with_a_wrong_password_or_unknown_address_says_the_same(app, client):
    add_user(app, "ada@example.com")
    wrong = login(client, "ada@example.com", "wrong password")
    unknown = login(client, "bob@example.com", "wrong password")
    message = b"The email address or the password is not correct."
    assert wrong.status_code == unknown.status_code == 400
    assert message in wrong.data and message in unknown.data
    assert client.get("/auth/account").status_code == 302


def test_login_goes_to_next_only_on_this_site(app, client):
    add_user(app, "ada@example.com")
    token = csrf_token(client.get("/auth/login").data)
    data = {"csrf_token": token, "email": "ada@example.com", "password": PASSWORD}
    response = client.post("/auth/login?next=/en/progress", data=data)
    assert response.location == "/en/progress"
    logout(client)
    for evil in ("//evil.example/", "https://evil.example/", "/\t/evil.example"):
        token = csrf_token(client.get("/auth/login").data)
        response = client.post(
            "/auth/login", query_string={"next": evil}, data={**data, "csrf_token": token}
        )
        assert response.location == "/en/", evil
        logout(client)


def test_protected_pages_send_anonymous_visitors_to_the_login_page(client):
    response = client.get("/auth/account")
    assert response.status_code == 302
    assert response.location.startswith("/auth/login?next=/auth/account")


def test_the_session_is_renewed_at_login(app, client):
    add_user(app, "ada@example.com")
    before = csrf_token(client.get("/auth/login").data)
    login(client, "ada@example.com")
    # A token from the session before login no longer works: nothing planted carries over.
    response = client.post("/auth/logout", data={"csrf_token": before})
    assert response.status_code == 400
    assert client.get("/auth/account").status_code == 200


def test_logout_is_a_post_and_ends_the_session(app, client):
    add_user(app, "ada@example.com")
    login(client, "ada@example.com")
    page = client.get("/auth/logout")  # GET only asks
    assert page.status_code == 200 and b'method="post"' in page.data
    assert client.get("/auth/account").status_code == 200
    response = logout(client)
    assert response.status_code == 302
    assert client.get("/auth/account").status_code == 302
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_changing_the_password_logs_out_other_devices(app):
    add_user(app, "ada@example.com")
    phone, laptop = app.test_client(), app.test_client()
    login(phone, "ada@example.com")
    login(laptop, "ada@example.com")
    token = csrf_token(laptop.get("/auth/password").data)
    wrong = laptop.post(
        "/auth/password",
        data={
            "csrf_token": token,
            "current": "nope",
            "password": "a new password",
            "confirm": "a new password",
        },
    )
    assert wrong.status_code == 400 and b"current password is not correct" in wrong.data
    done = laptop.post(
        "/auth/password",
        data={
            "csrf_token": token,
            "current": PASSWORD,
            "password": "a new password",
            "confirm": "a new password",
        },
    )
    assert done.status_code == 302
    assert laptop.get("/auth/account").status_code == 200  # this device stays in
    assert phone.get("/auth/account").status_code == 302  # the other one is out
    other = app.test_client()
    assert login(other, "ada@example.com").status_code == 400
    assert login(other, "ada@example.com", "a new password").status_code == 302


def test_deleting_the_account_deletes_all_its_data(app, client):
    register(client, "ada@example.com")
    post_event(client, "section-read", "principles", "what-is-omnichannel")
    take_quiz(client, "/en/modules/principles/quiz", COURSE_QUIZ)
    add_user(app, "bob@example.com")  # someone else's data stays

    token = csrf_token(client.get("/auth/delete").data)
    kept = client.post("/auth/delete", data={"csrf_token": token, "password": PASSWORD})
    assert kept.status_code == 400 and b"Tick this box" in kept.data
    kept = client.post(
        "/auth/delete", data={"csrf_token": token, "password": "wrong", "confirm": "y"}
    )
    assert kept.status_code == 400 and len(users(app)) == 2

    gone = client.post(
        "/auth/delete", data={"csrf_token": token, "password": PASSWORD, "confirm": "y"}
    )
    assert gone.status_code == 302
    assert [u.email for u in users(app)] == ["bob@example.com"]
    with app.extensions["db_sessionmaker"]() as session:
        for model in (Progress, SectionRead, QuizAttempt):
            assert session.scalar(sa.select(sa.func.count()).select_from(model)) == 0
        assert session.scalar(sa.select(sa.func.count()).select_from(Learner)) == 1  # bob's
    assert client.get("/auth/account").status_code == 302
    assert login(app.test_client(), "ada@example.com").status_code == 400


def test_failed_logins_are_limited_across_worker_processes(tmp_path, database_url):
    limits = {"LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS": 3, "DATABASE_URL": database_url}
    worker_a = make_app(tmp_path / "a", **limits)
    worker_b = make_app(tmp_path / "b", **limits)  # another process: its own engine and memory
    add_user(worker_a, "ada@example.com")
    a, b = worker_a.test_client(), worker_b.test_client()
    assert login(a, "ada@example.com", "guess 1").status_code == 400
    assert login(b, "ada@example.com", "guess 2").status_code == 400
    assert login(a, "ada@example.com", "guess 3").status_code == 400
    blocked = login(b, "ada@example.com")  # even the right password waits now
    assert blocked.status_code == 429
    assert b"Too many failed attempts. Please wait 15 minutes" in blocked.data
    assert 0 < int(blocked.headers["Retry-After"]) <= 15 * 60
    assert b.get("/auth/account").status_code == 302
    # Another address is not held back by these failures.
    other = login(worker_b.test_client(), "ada@example.com", address="10.0.0.2")
    assert other.status_code == 302
    # Once the failures are older than the window, the right password works again.
    with worker_a.extensions["db_sessionmaker"]() as session:
        session.execute(
            sa.update(RateLimitHit).values(created_at=RateLimitHit.created_at - timedelta(hours=1))
        )
        session.commit()
    assert login(a, "ada@example.com").status_code == 302


def test_a_successful_login_clears_the_failures_of_that_client(app, client):
    add_user(app, "ada@example.com")
    login(client, "ada@example.com", "guess")
    login(client, "ada@example.com")
    with app.extensions["db_sessionmaker"]() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(RateLimitHit)) == 0


def test_login_without_a_csrf_token_is_refused_kindly(app, client):
    add_user(app, "ada@example.com")
    response = client.post("/auth/login", data={"email": "ada@example.com", "password": PASSWORD})
    assert response.status_code == 400
    assert b"This form has expired" in response.data
    assert client.get("/auth/account").status_code == 302


def test_the_chosen_language_follows_the_account_to_another_device(app):
    add_user(app, "ada@example.com")
    laptop = app.test_client()
    login(laptop, "ada@example.com")
    token = csrf_token(laptop.get("/en/").data)  # the header's language forms
    laptop.post("/language/pl?next=/pl/", data={"csrf_token": token})
    phone = app.test_client()
    login(phone, "ada@example.com")
    phone.delete_cookie("omnicourse_locale")
    response = phone.get("/", headers={"Accept-Language": "en"})
    assert response.location.endswith("/pl/")


def test_pages_loaded_at_once_after_login_keep_each_others_form_tokens(app, client):
    """A form page and the page script's /api/token, both sent with the new session."""
    add_user(app, "ada@example.com")
    assert login(client, "ada@example.com").status_code == 302
    after_login = client.get_cookie("omnicourse_session").value

    form_page = client.get("/auth/name")  # its token is in the form
    client.set_cookie("omnicourse_session", after_login)
    client.get("/api/token")  # answered last: its session cookie is the one kept
    data = {"csrf_token": csrf_token(form_page.data), "display_name": "Ada"}
    saved = client.post("/auth/name", data=data)
    assert saved.status_code == 302, "the form expired because another page came back last"
