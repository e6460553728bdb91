"""Signing up tells no one who has an account, is limited, and confirms the address by email."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.auth import signup
from app.models import AccountToken, User
from tests.conftest import csrf_token, make_app
from tests.learners import PASSWORD, add_user, confirm_link, login, post_event, register
from tests.mail import link_to, outbox


def users(app) -> list[User]:
    with app.extensions["db_sessionmaker"]() as db:
        return list(db.scalars(sa.select(User).order_by(User.id)))


def test_a_taken_and_a_free_address_get_the_same_answer(app):
    add_user(app, "taken@example.com")
    answers = []
    for address in ("taken@example.com", "free@example.com"):
        client = app.test_client()
        response = register(client, address, "another long password", follow_link=False)
        page = client.get(response.location).text.replace(address, "ADDRESS")
        page = re.sub(r'name="csrf_token" value="[^"]+"', "", page)
        answers.append((response.status_code, response.location, page))
    assert answers[0][:2] == answers[1][:2] == (302, "/auth/check-inbox")
    assert answers[0][2] == answers[1][2]
    [taken] = outbox(app, "taken@example.com")
    assert taken.kind == "already-registered"
    assert "/auth/login" in taken.text_body and "/auth/reset" in taken.text_body
    [free] = outbox(app, "free@example.com")
    assert free.kind == "verify-email" and "/auth/verify/" in free.text_body
    # The taken address's password did not change, and nobody got logged in.
    assert login(app.test_client(), "taken@example.com").status_code == 302


def test_messages_are_in_the_learners_language_as_text_and_html(app, client):
    client.set_cookie("omnicourse_locale", "pl")
    register(client, "ada@example.com", follow_link=False)
    [message] = outbox(app, "ada@example.com")
    assert message.locale == "pl"
    assert message.subject.startswith("Potwierdź swój adres e-mail")
    assert "Potwierdź" in message.text_body and '<html lang="pl">' in message.html_body
    assert "<a href=" in message.html_body and "<" not in message.text_body


def test_the_same_address_signed_up_at_once_gives_no_error(app, monkeypatch):
    """Two sign-ups that both found the address free: the second hits the unique index."""
    monkeypatch.setattr(signup, "find_user", lambda db, email: None)
    first = register(app.test_client(), "ada@example.com", follow_link=False)
    second = register(app.test_client(), "ada@example.com", follow_link=False)
    assert first.status_code == second.status_code == 302
    assert len(users(app)) == 1


def test_sign_ups_are_limited_per_address_written_to(app):
    client = app.test_client()
    for _ in range(3):
        assert register(client, "ada@example.com", follow_link=False).status_code == 302
    blocked = register(client, "ada@example.com", follow_link=False)
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    assert "Too many messages were asked for from here" in blocked.text
    assert len(outbox(app, "ada@example.com")) == 3


def test_sign_ups_are_limited_per_network_address_and_per_network(tmp_path):
    app = make_app(tmp_path, MAIL_REQUESTS_PER_ADDRESS=3, MAIL_REQUESTS_PER_NETWORK=5)

    def sign_up(number: int, address: str) -> int:
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        return register(client, f"user{number}@example.com", follow_link=False).status_code

    assert [sign_up(n, "10.0.0.1") for n in range(4)] == [302, 302, 302, 429]
    assert [sign_up(n, "10.0.0.2") for n in range(4, 7)] == [302, 302, 429]  # the /24 is full
    assert sign_up(9, "10.0.1.1") == 302  # another network
    assert sign_up(10, "2001:db8::1") == 302


def test_the_link_confirms_once_and_logs_in_with_the_guest_progress(app, client):
    post_event(client, "section-opened", "principles", "what-is-omnichannel")
    register(client, "ada@example.com", follow_link=False)
    path = link_to(app, "ada@example.com", "verify-email", "/auth/verify/")
    page = client.get(path)  # a mail scanner's visit uses nothing
    assert page.status_code == 200 and b"Confirm" in page.data
    assert not users(app)[0].email_verified
    done = client.post(path, data={"csrf_token": csrf_token(page.data)})
    assert done.status_code == 302
    assert users(app)[0].email_verified
    sections = client.get("/api/progress").json["modules"]["principles"]["sections"]
    assert sections["what-is-omnichannel"]["opened"]  # what the guest did is in the account
    again = app.test_client().get(path)
    assert again.status_code == 404 and b"This link no longer works" in again.data


def test_the_link_expires_after_48_hours(app, client):
    register(client, "ada@example.com", follow_link=False)
    with app.extensions["db_sessionmaker"]() as db:
        token = db.scalar(sa.select(AccountToken))
        token.expires_at -= timedelta(hours=48)
        db.commit()
    path = link_to(app, "ada@example.com", "verify-email", "/auth/verify/")
    assert client.get(path).status_code == 404
    assert not users(app)[0].email_verified


def test_a_new_link_replaces_the_old_one(app, client):
    register(client, "ada@example.com", follow_link=False)
    old = link_to(app, "ada@example.com", "verify-email", "/auth/verify/")
    token = csrf_token(client.get("/auth/check-inbox").data)
    client.post("/auth/verify/send", data={"csrf_token": token})
    new = link_to(app, "ada@example.com", "verify-email", "/auth/verify/")
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_an_unconfirmed_account_can_log_in_and_learn(app, client):
    register(client, "ada@example.com", follow_link=False)
    response = login(client, "ada@example.com")
    assert response.status_code == 302
    assert "Please confirm your email address" in client.get("/auth/account").text
    assert post_event(client, "section-opened", "principles", "what-is-omnichannel").json == {
        "recorded": 1,
        "not_yet": [],
    }


@pytest.mark.parametrize("signed_in", [False, True])
def test_resending_never_tells_whether_an_address_has_an_account(app, signed_in):
    add_user(app, "done@example.com")  # confirmed: gets nothing more
    client = app.test_client()
    if signed_in:
        register(client, "ada@example.com", follow_link=False)
        login(client, "ada@example.com")
    for address in ("done@example.com", "nobody@example.com"):
        token = csrf_token(client.get("/auth/check-inbox").data)
        response = client.post("/auth/verify/send", data={"csrf_token": token, "email": address})
        assert response.status_code == 302
    assert outbox(app, "done@example.com") == [] and outbox(app, "nobody@example.com") == []
    if signed_in:  # a signed-in learner's "send it again" goes to their own address
        assert [m.kind for m in outbox(app, "ada@example.com")] == ["verify-email"] * 3


def test_register_confirms_through_the_whole_flow(app, client):
    assert register(client, "ada@example.com").status_code == 302
    assert client.get("/auth/account").status_code == 200
    assert confirm_link(client, "nobody@example.com") is None
    assert PASSWORD  # the helper's password is a strong one
