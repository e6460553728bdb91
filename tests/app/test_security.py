"""Security by default, checked across the whole URL map."""

from __future__ import annotations

import pytest
from werkzeug.routing import Rule

from tests.conftest import csrf_token, make_app

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def url_arguments(app) -> dict[str, str]:
    """A valid value for every URL argument used by the app's routes."""
    course = app.extensions["content"].course
    module = course.source_modules()[0]
    return {
        "locale": "en",
        "language": "en",
        "slug": module.slug,
        "section_id": module.sections[0].id,
        "part": module.sections[0].id,
        "code": "pl",
        "filename": "css/site.css",
        "question_id": module.quiz.questions[0].id,
        "attempt_id": "1",
        "feedback_id": "1",
        "draft_id": "1",
        "publication_id": "1",
        "name": "journey-map.svg",
        "token": "a-link-token-that-was-never-sent-by-email-0",
    }


def build(app, rule: Rule, **overrides: str) -> str:
    values = {**url_arguments(app), **overrides}
    missing = set(rule.arguments) - set(values)
    assert not missing, f"add a value for {missing} (route {rule.rule}) to url_arguments()"
    with app.test_request_context():
        return app.url_map.bind("localhost").build(
            rule.endpoint, {name: values[name] for name in rule.arguments}
        )


def rules(app, methods: set[str]) -> list[Rule]:
    return [r for r in app.url_map.iter_rules() if r.methods & methods]


def test_every_state_changing_route_requires_a_csrf_token(tmp_path):
    app = make_app(tmp_path)
    client = app.test_client()
    checked = []
    for rule in rules(app, STATE_CHANGING):
        url = build(app, rule)
        for method in sorted(rule.methods & STATE_CHANGING):
            response = client.open(url, method=method, data={"anything": "1"})
            assert response.status_code in (400, 403, 404), (method, url, response.status_code)
            checked.append(url)
    assert checked, "no state-changing route found"


def test_a_valid_csrf_token_is_accepted(client):
    token = csrf_token(client.get("/en/modules/principles/quiz").data)
    response = client.post("/en/modules/principles/quiz", data={"csrf_token": token})
    assert response.status_code == 409  # no draw named: a new self-test, not a CSRF error
    assert "Here is a new self-test" in response.text


def test_every_html_page_sends_the_safe_headers(tmp_path):
    app = make_app(tmp_path)
    client = app.test_client()
    for rule in rules(app, {"GET"}):
        with client.get(build(app, rule)) as response:
            headers = response.headers
        if response.mimetype != "text/html":
            continue
        csp = headers.get("Content-Security-Policy", "")
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp, rule.rule
        assert "frame-ancestors 'none'" in csp, rule.rule
        assert headers["X-Content-Type-Options"] == "nosniff", rule.rule
        assert headers["X-Frame-Options"] == "DENY", rule.rule
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin", rule.rule


@pytest.mark.parametrize(
    "evil",
    [
        "..",
        "../../etc/passwd",
        "..%2F..%2Fetc%2Fpasswd",
        "%2e%2e",
        "\\..\\windows",
        "con",
        "a" * 300,
    ],
)
def test_path_traversal_in_any_url_argument_is_a_404(tmp_path, evil):
    app = make_app(tmp_path)
    client = app.test_client()
    for rule in rules(app, {"GET"}):
        for argument in rule.arguments - {"filename"}:
            try:
                url = build(app, rule, **{argument: evil})
            except ValueError:  # a number (`<int:…>`): no such URL can even be made
                continue
            response = client.get(url)
            assert response.status_code in (302, 404), (url, response.status_code)
            assert b"root:" not in response.data
            response.close()


def test_static_files_cannot_escape_the_static_folder(client):
    for url in (
        "/static/../app/config.py",
        "/static/%2e%2e/pyproject.toml",
        "/static/..%2fREADME.md",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        response.close()


def test_session_cookie_is_httponly_and_samesite(client):
    response = client.get("/en/modules/principles/quiz")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_session_cookie_is_secure_over_https(client):
    response = client.get("/en/modules/principles/quiz", base_url="https://localhost")
    assert "Secure" in response.headers["Set-Cookie"]
    assert "Strict-Transport-Security" in response.headers
