"""The Host header is never trusted; behind a proxy, the client's address and scheme are right."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token, make_app
from tests.learners import add_user
from tests.mail import link_to, outbox

ROUTES = ["/", "/en/", "/en/modules/principles/", "/auth/login", "/verify", "/healthz",
          "/static/css/site.css", "/no/such/page"]  # fmt: skip
MALFORMED = [
    "a" * 64 + ".example",  # a label longer than DNS allows
    "x" * 300,
    "exa mple.org",
    "evil.example:99999",
    "évil.example",
    "a..b",
    "-bad.example",
    "[::1",
]


@pytest.mark.parametrize("host", MALFORMED)
def test_a_malformed_host_gets_a_friendly_400_on_every_route(client, host):
    for path in ROUTES:
        response = client.get(path, headers={"Host": host})
        assert response.status_code == 400, (host, path)
        if path != "/healthz":
            assert b"Bad request" in response.data and b'<html lang="en"' in response.data


def test_any_well_formed_host_works_until_a_server_name_is_set(client):
    for host in ("localhost:8000", "192.168.1.20:8000", "[::1]:8000", "course.example.org"):
        assert client.get("/en/", headers={"Host": host}).status_code == 200, host


def test_with_a_server_name_other_hosts_are_refused(tmp_path):
    app = make_app(
        tmp_path, SERVER_NAME="https://course.example.org", TRUSTED_HOSTS="alt.example,.cdn.example"
    )
    client = app.test_client()
    allowed = ["course.example.org", "COURSE.example.org:443", "alt.example", "a.cdn.example",
               "localhost:8000", "127.0.0.1"]  # fmt: skip
    for host in allowed:
        assert client.get("/en/", headers={"Host": host}).status_code == 200, host
    for host in ("evil.example", "course.example.org.evil.example", "cdn.example.evil"):
        assert client.get("/en/", headers={"Host": host}).status_code == 400, host


def test_links_sent_by_email_never_come_from_the_host_header(app, client):
    add_user(app, "ada@example.com")
    page = client.get("/auth/reset", headers={"Host": "evil.example"})
    client.post(
        "/auth/reset",
        headers={"Host": "evil.example"},
        data={"csrf_token": csrf_token(page.data), "email": "ada@example.com"},
    )
    [message] = outbox(app, "ada@example.com")
    assert "evil.example" not in message.text_body + message.html_body
    assert "http://127.0.0.1:8000/auth/reset/" in message.text_body
    assert link_to(app, "ada@example.com", "reset-password", "/auth/reset/")


def test_the_server_name_makes_the_links(tmp_path):
    app = make_app(tmp_path, SERVER_NAME="http://course.example.org")
    add_user(app, "ada@example.com")
    client = app.test_client()
    page = client.get("/auth/reset")
    client.post(
        "/auth/reset", data={"csrf_token": csrf_token(page.data), "email": "ada@example.com"}
    )
    [message] = outbox(app, "ada@example.com")
    assert "http://course.example.org/auth/reset/" in message.text_body


def failures_until_blocked(client, forwarded_for: str) -> int:
    for attempt in range(1, 6):
        response = client.post(
            "/auth/login",
            headers={"X-Forwarded-For": forwarded_for},
            data={"csrf_token": csrf_token(client.get("/auth/login").data),
                  "email": f"{forwarded_for}@example.com", "password": "wrong password"},
        )  # fmt: skip
        if response.status_code == 429:
            return attempt
    return 0


@pytest.mark.parametrize("behind_proxy", [False, True])
def test_the_client_address_comes_from_the_proxy_only_when_told(tmp_path, behind_proxy):
    settings = {"LOGIN_FAILURES_PER_ADDRESS": 2}
    if behind_proxy:
        settings["PROXY_FIX_X_FOR"] = 1
    app = make_app(tmp_path, **settings)
    assert failures_until_blocked(app.test_client(), "203.0.113.1") == 3
    # Another client behind the same proxy: its own budget only if the header is trusted.
    expected = 3 if behind_proxy else 1
    assert failures_until_blocked(app.test_client(), "203.0.113.2") == expected


def test_https_at_the_proxy_gives_secure_host_only_cookies_and_hsts(tmp_path):
    app = make_app(tmp_path, PROXY_FIX_X_PROTO=1)
    add_user(app, "ada@example.com")
    client = app.test_client()
    https = {"X-Forwarded-Proto": "https", "Referer": "https://localhost/auth/login"}
    page = client.get("/auth/login", headers=https)
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    response = client.post(
        "/auth/login",
        headers=https,
        data={"csrf_token": csrf_token(page.data), "email": "ada@example.com",
              "password": "correct horse battery"},
    )  # fmt: skip
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith("__Host-omnicourse_session=") and "Secure" in c for c in cookies)
    # Without the setting, the same header is only a header.
    plain = make_app(tmp_path / "plain").test_client().get("/auth/login", headers=https)
    assert "Strict-Transport-Security" not in plain.headers


def test_redirects_never_name_the_host_header(client):
    for path in ("/en", "/en/modules/principles", "/", "/auth/account"):
        response = client.get(path, headers={"Host": "evil.example"})
        assert response.status_code in (302, 308), path
        assert response.location.startswith("/") and "evil" not in response.location, path
