"""Signed-in sessions live on the server: logout, idle timeout, lifetime, every device."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.models import UserSession
from tests.conftest import csrf_token
from tests.learners import PASSWORD, add_user, login, logout

FIREFOX_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0"


def session_rows(app) -> list[UserSession]:
    with app.extensions["db_sessionmaker"]() as db:
        return list(db.scalars(sa.select(UserSession).order_by(UserSession.id)))


def shift(app, **back: timedelta) -> None:
    """Move every session's times into the past: created_at=…, last_seen_at=…."""
    with app.extensions["db_sessionmaker"]() as db:
        for row in db.scalars(sa.select(UserSession)):
            for name, delta in back.items():
                setattr(row, name, getattr(row, name) - delta)
        db.commit()


def test_a_copied_cookie_stops_working_after_logout(app, client):
    add_user(app, "ada@example.com")
    login(client, "ada@example.com")
    copied = client.get_cookie("omnicourse_session").value
    assert logout(client).status_code == 302
    assert session_rows(app) == []
    thief = app.test_client()
    thief.set_cookie("omnicourse_session", copied)
    response = thief.get("/auth/account")
    assert response.status_code == 302 and response.location.startswith("/auth/login")


def test_a_session_ends_after_30_minutes_without_a_request(app, client):
    add_user(app, "ada@example.com")
    login(client, "ada@example.com")
    shift(app, last_seen_at=timedelta(minutes=29))
    assert client.get("/auth/account").status_code == 200  # still in, and seen again now
    shift(app, last_seen_at=timedelta(minutes=29))
    assert client.get("/auth/account").status_code == 200
    shift(app, last_seen_at=timedelta(minutes=31))
    response = client.get("/auth/account")
    assert response.status_code == 302
    assert "Your session has ended. Please log in again." in client.get(response.location).text
    assert session_rows(app) == []


def test_a_session_ends_12_hours_after_login_however_busy(app, client):
    add_user(app, "ada@example.com")
    login(client, "ada@example.com")
    shift(app, created_at=timedelta(hours=11, minutes=59))
    assert client.get("/auth/account").status_code == 200
    shift(app, created_at=timedelta(minutes=2))
    assert client.get("/auth/account").status_code == 302


def test_the_timeouts_follow_the_settings(tmp_path):
    from tests.conftest import make_app

    app = make_app(tmp_path, SESSION_IDLE_MINUTES=5, SESSION_LIFETIME_HOURS=1)
    add_user(app, "ada@example.com")
    client = app.test_client()
    login(client, "ada@example.com")
    shift(app, last_seen_at=timedelta(minutes=6))
    assert client.get("/auth/account").status_code == 302
    login(client, "ada@example.com")
    shift(app, created_at=timedelta(minutes=61))
    assert client.get("/auth/account").status_code == 302


def test_the_cookie_is_not_sent_again_on_every_request(app, client):
    add_user(app, "ada@example.com")
    login(client, "ada@example.com")
    client.get("/auth/account")  # shows (and so removes) "You are logged in."
    response = client.get("/auth/account")
    assert response.status_code == 200
    assert "omnicourse_session=" not in response.headers.get("Set-Cookie", "")


def test_log_out_everywhere_ends_every_session_of_the_account(app):
    add_user(app, "ada@example.com")
    phone, laptop = app.test_client(), app.test_client()
    login(phone, "ada@example.com")
    login(laptop, "ada@example.com")
    token = csrf_token(laptop.get("/auth/logout").data)
    laptop.post("/auth/logout", data={"csrf_token": token, "everywhere": "y"})
    assert laptop.get("/auth/account").status_code == 302
    assert phone.get("/auth/account").status_code == 302
    assert session_rows(app) == []


def test_the_account_page_lists_devices_and_ends_one_or_all_others(app):
    add_user(app, "ada@example.com")
    phone, laptop, tablet = app.test_client(), app.test_client(), app.test_client()
    login(phone, "ada@example.com")
    phone.get("/", headers={"User-Agent": FIREFOX_ANDROID})
    with app.extensions["db_sessionmaker"]() as db:
        db.execute(sa.update(UserSession).values(user_agent=FIREFOX_ANDROID))
        db.commit()
    login(laptop, "ada@example.com")
    login(tablet, "ada@example.com")
    page = laptop.get("/auth/account").text
    assert "Firefox on Android" in page and "(this device)" in page
    phone_row = session_rows(app)[0]
    token = csrf_token(page)
    laptop.post("/auth/sessions", data={"csrf_token": token, "session": phone_row.id})
    assert phone.get("/auth/account").status_code == 302
    assert tablet.get("/auth/account").status_code == 200
    done = laptop.post("/auth/sessions", data={"csrf_token": token})
    assert "1 other device is logged out." in laptop.get(done.location).text
    assert tablet.get("/auth/account").status_code == 302
    assert laptop.get("/auth/account").status_code == 200


def test_a_session_of_another_account_cannot_be_ended(app):
    add_user(app, "ada@example.com")
    add_user(app, "bob@example.com")
    ada, bob = app.test_client(), app.test_client()
    login(ada, "ada@example.com")
    login(bob, "bob@example.com")
    [ada_row, _] = session_rows(app)
    token = csrf_token(bob.get("/auth/account").data)
    bob.post("/auth/sessions", data={"csrf_token": token, "session": ada_row.id})
    assert ada.get("/auth/account").status_code == 200


def test_over_https_the_session_cookie_is_a_host_only_secure_cookie(app, client):
    add_user(app, "ada@example.com")
    https = "https://localhost"
    token = csrf_token(client.get("/auth/login", base_url=https).data)
    response = client.post(
        "/auth/login",
        base_url=https,
        headers={"Referer": f"{https}/auth/login"},  # over HTTPS the form must come from here
        data={"csrf_token": token, "email": "ada@example.com", "password": PASSWORD},
    )
    cookies = response.headers.getlist("Set-Cookie")
    session = next(c for c in cookies if c.startswith("__Host-omnicourse_session="))
    assert "Secure" in session and "Path=/" in session and "Domain" not in session
    device = next(c for c in cookies if c.startswith("__Host-omnicourse_device="))
    assert "Secure" in device and "HttpOnly" in device
    assert client.get("/auth/account", base_url=https).status_code == 200
    # The same cookie sent over plain HTTP is not the session there.
    assert client.get("/auth/account").status_code == 302
