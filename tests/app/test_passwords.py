"""Password rules (ASVS 2.1): length, a list of common passwords, a strength estimate,
and feedback that says what would help, in the learner's language."""

from __future__ import annotations

import pytest

from app.auth.passwords import common_passwords, password_problems
from tests.conftest import csrf_token
from tests.learners import register


@pytest.fixture
def request_context(app):
    with app.test_request_context():
        yield


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("password", "one of the most common passwords"),
        ("12345678", "one of the most common passwords"),
        ("        ", "Use at least 12 characters"),
        ("ada@example.com", "Do not build your password from your email address"),
        ("Ada@Example.com2024", "Do not build your password from your email address"),
        ("iloveyou1234", "easy to guess"),
        ("correcthorse", "easy to guess"),
        ("kx8#Lq2!", "Use at least 12 characters"),
        ("x" * 257, "Use at most 256 characters"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(request_context, password, why):
    problems = [str(p) for p in password_problems(password, "ada@example.com")]
    assert problems and why in " ".join(problems)


@pytest.mark.parametrize(
    "password",
    ["correct horse battery", "my cat is fluffy", "Tr0ub4dor&3", "zażółć gęślą jaźń"],
)
def test_long_or_unpredictable_passwords_are_accepted(request_context, password):
    assert password_problems(password, "ada@example.com") == []


def test_a_weak_password_gets_advice_on_what_would_help(request_context):
    problems = [str(p) for p in password_problems("aaaaaaaaaaaabbb", "ada@example.com")]
    assert any("repeated characters" in p for p in problems)
    problems = [str(p) for p in password_problems("zxcvbnmlkjhgfds", "ada@example.com")]
    assert any("patterns of keys" in p for p in problems)


def test_the_shipped_list_holds_the_commonest_leaked_passwords():
    common = common_passwords()
    assert len(common) > 90_000
    assert {"password", "12345678", "qwertyuiop", "iloveyou"} <= common


def test_registration_explains_a_weak_password_in_polish(app, client):
    client.set_cookie("omnicourse_locale", "pl")
    response = register(client, "ada@example.com", "password")
    assert response.status_code == 400
    assert "najczęściej używanych haseł" in response.text
    assert 'aria-invalid="true"' in response.text


def test_changing_to_a_weak_password_is_refused(app, client):
    register(client, "ada@example.com")
    token = csrf_token(client.get("/auth/password").data)
    response = client.post(
        "/auth/password",
        data={
            "csrf_token": token,
            "current": "correct horse battery",
            "password": "12345678",
            "confirm": "12345678",
        },
    )
    assert response.status_code == 400
    assert "one of the most common passwords" in response.text


def test_the_console_refuses_a_weak_password(app):
    from app.cli.users import users

    result = app.test_cli_runner().invoke(
        users, ["create", "ops@example.com", "--password-stdin"], input="password\n"
    )
    assert result.exit_code != 0
    assert "most common passwords" in result.output
