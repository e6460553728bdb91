"""A forgotten password reset by email, a new address, and the notices that follow."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from app.models import AccountToken, User
from tests.conftest import csrf_token, make_app
from tests.learners import PASSWORD, add_user, login
from tests.mail import link_to, outbox

NEW_PASSWORD = "a brand new passphrase"


def ask_for_reset(client, email: str):
    token = csrf_token(client.get("/auth/reset").data)
    return client.post("/auth/reset", data={"csrf_token": token, "email": email})


def choose(client, path: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    token = csrf_token(client.get(path).data)
    data = {"csrf_token": token, "password": password, "confirm": confirm or password}
    return client.post(path, data=data)


def reset_link(app, email: str = "ada@example.com") -> str:
    path = link_to(app, email, "reset-password", "/auth/reset/")
    assert path is not None
    return path


def without_tokens(html: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]+"', "", html)


def test_a_reset_link_sets_a_new_password_once_and_ends_every_session(app):
    add_user(app, "ada@example.com")
    phone, laptop, mailbox = app.test_client(), app.test_client(), app.test_client()
    login(phone, "ada@example.com")
    login(laptop, "ada@example.com")
    assert ask_for_reset(mailbox, "ada@example.com").location == "/auth/reset/sent"
    path = reset_link(app)
    weak = choose(mailbox, path, "12345678")
    assert weak.status_code == 400 and "most common passwords" in weak.text
    done = choose(mailbox, path)
    assert done.status_code == 302 and done.location == "/auth/account"
    assert mailbox.get("/auth/account").status_code == 200  # logged in here
    assert phone.get("/auth/account").status_code == 302
    assert laptop.get("/auth/account").status_code == 302
    assert login(app.test_client(), "ada@example.com", PASSWORD).status_code == 400
    assert login(app.test_client(), "ada@example.com", NEW_PASSWORD).status_code == 302
    again = mailbox.post(
        path, data={"csrf_token": csrf_token(mailbox.get("/auth/account").data),
                    "password": "yet another passphrase", "confirm": "yet another passphrase"},
    )  # fmt: skip
    assert again.status_code == 404 and "This link no longer works" in again.text
    kinds = [m.kind for m in outbox(app, "ada@example.com")]
    assert kinds == ["reset-password", "password-changed"]


def test_a_reset_link_works_for_an_hour(app, client):
    add_user(app, "ada@example.com")
    ask_for_reset(client, "ada@example.com")
    with app.extensions["db_sessionmaker"]() as db:
        token = db.scalar(sa.select(AccountToken))
        assert timedelta(minutes=59) < token.expires_at - token.created_at <= timedelta(hours=1)
        token.expires_at = token.created_at - timedelta(seconds=1)
        db.commit()
    assert client.get(reset_link(app)).status_code == 404


def test_asking_for_an_unknown_address_looks_the_same_and_sends_nothing(app):
    add_user(app, "ada@example.com")
    pages = []
    for email in ("ada@example.com", "nobody@example.com"):
        client = app.test_client()
        response = ask_for_reset(client, email)
        page = client.get(response.location).text.replace(email, "ADDRESS")
        pages.append((response.status_code, response.location, without_tokens(page)))
    assert pages[0] == pages[1]
    assert outbox(app, "nobody@example.com") == []


def test_a_newer_link_replaces_an_older_one(app, client):
    add_user(app, "ada@example.com")
    ask_for_reset(client, "ada@example.com")
    first = reset_link(app)
    ask_for_reset(client, "ada@example.com")
    assert client.get(first).status_code == 404
    assert client.get(reset_link(app)).status_code == 200


def test_reset_requests_are_limited_per_address_written_to(app, client):
    add_user(app, "ada@example.com")
    for _ in range(3):
        assert ask_for_reset(client, "ada@example.com").status_code == 302
    blocked = ask_for_reset(client, "ada@example.com")
    assert blocked.status_code == 429 and "Retry-After" in blocked.headers
    assert len(outbox(app, "ada@example.com")) == 3


def test_a_reset_gets_the_owner_in_while_strangers_are_held_back(tmp_path):
    app = make_app(tmp_path, LOGIN_FAILURES_PER_ACCOUNT=5)
    add_user(app, "ada@example.com")
    old_laptop = app.test_client()
    login(old_laptop, "ada@example.com")
    for number in range(5):
        login(app.test_client(), "ada@example.com", "guess", address=f"10.{number}.0.1")
    owner = app.test_client()
    assert login(owner, "ada@example.com").status_code == 429
    ask_for_reset(owner, "ada@example.com")
    assert choose(owner, reset_link(app)).status_code == 302
    assert owner.get("/auth/account").status_code == 200
    # The reset forgot the devices known before: a stolen one is a stranger now.
    assert login(old_laptop, "ada@example.com", NEW_PASSWORD).status_code == 429


def test_changing_the_password_sends_a_notice(app, client):
    add_user(app, "ada@example.com")
    login(client, "ada@example.com")
    token = csrf_token(client.get("/auth/password").data)
    client.post(
        "/auth/password",
        data={"csrf_token": token, "current": PASSWORD, "password": NEW_PASSWORD,
              "confirm": NEW_PASSWORD},
    )  # fmt: skip
    [notice] = outbox(app, "ada@example.com")
    assert notice.kind == "password-changed"
    assert "/auth/reset" in notice.text_body  # what to do if it was not the owner


def change_email(client, new: str, password: str = PASSWORD):
    token = csrf_token(client.get("/auth/email").data)
    return client.post("/auth/email", data={"csrf_token": token, "email": new, "current": password})


def emails(app) -> list[str]:
    with app.extensions["db_sessionmaker"]() as db:
        return list(db.scalars(sa.select(User.email).order_by(User.id)))


def test_a_new_address_is_used_once_its_link_is_opened(app, client):
    add_user(app, "ada@example.com")
    login(client, "ada@example.com")
    wrong = change_email(client, "ada@new.example", "not my password")
    assert wrong.status_code == 400 and "The password is not correct." in wrong.text
    sent = change_email(client, "ada@new.example")
    assert sent.location == "/auth/email/sent"
    assert "ada@new.example" in client.get(sent.location).text
    assert emails(app) == ["ada@example.com"]  # nothing changes before the link is opened
    path = link_to(app, "ada@new.example", "change-email", "/auth/email/")
    elsewhere = app.test_client()  # the link may be opened on another device
    page = elsewhere.get(path)
    assert page.status_code == 200 and "ada@new.example" in page.text
    done = elsewhere.post(path, data={"csrf_token": csrf_token(page.data)})
    assert done.status_code == 302
    assert emails(app) == ["ada@new.example"]
    [notice] = outbox(app, "ada@example.com")
    assert notice.kind == "email-changed" and "ada@new.example" in notice.text_body
    assert login(app.test_client(), "ada@new.example").status_code == 302
    assert login(app.test_client(), "ada@example.com").status_code == 400
    assert elsewhere.post(path, data={"csrf_token": csrf_token(page.data)}).status_code == 404


def test_moving_to_an_address_that_has_an_account_tells_only_that_address(app, client):
    add_user(app, "ada@example.com")
    add_user(app, "bob@example.com")
    login(client, "ada@example.com")
    taken = change_email(client, "bob@example.com")
    free = change_email(client, "carol@example.com")
    assert taken.location == free.location == "/auth/email/sent"
    [note] = outbox(app, "bob@example.com")
    assert note.kind == "email-taken" and "/auth/" not in note.text_body
    assert emails(app) == ["ada@example.com", "bob@example.com"]
