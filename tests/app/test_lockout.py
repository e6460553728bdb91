"""Failed logins slow attackers down without letting them lock the owner out."""

from __future__ import annotations

import sqlalchemy as sa

from app.models import TrustedDevice
from tests.conftest import make_app
from tests.learners import add_user, login, logout


def attack(app, email: str, failures: int, per_address: int = 5) -> None:
    """Wrong passwords from many machines, each in a network of its own."""
    for number in range(failures):
        machine = app.test_client()
        address = f"10.{number // per_address}.0.1"
        assert login(machine, email, f"guess {number}", address=address).status_code == 400


def test_an_attacker_cannot_lock_the_owner_out_of_a_device_they_have_used(tmp_path):
    app = make_app(tmp_path, LOGIN_FAILURES_PER_ACCOUNT=20)
    add_user(app, "ada@example.com")
    laptop = app.test_client()
    assert login(laptop, "ada@example.com", address="192.0.2.7").status_code == 302
    logout(laptop)  # the browser stays known to the account
    attack(app, "ada@example.com", 20)

    stranger = login(app.test_client(), "ada@example.com", address="198.51.100.1")
    assert stranger.status_code == 429  # even the right password waits, on an unknown device
    assert "Forgot your password?" in stranger.text
    assert "a device where you have logged in before" in stranger.text

    assert login(laptop, "ada@example.com", address="192.0.2.7").status_code == 302
    assert laptop.get("/auth/account").status_code == 200


def test_the_default_limits_hold_against_100_failures_from_20_addresses(app):
    add_user(app, "ada@example.com")
    laptop = app.test_client()
    login(laptop, "ada@example.com", address="192.0.2.7")
    logout(laptop)
    attack(app, "ada@example.com", 100, per_address=5)
    assert login(app.test_client(), "ada@example.com", address="198.51.100.1").status_code == 429
    assert login(laptop, "ada@example.com", address="192.0.2.7").status_code == 302


def test_a_known_device_that_fails_too_often_is_held_back_like_any_other(tmp_path):
    app = make_app(
        tmp_path,
        LOGIN_FAILURES_PER_ACCOUNT=20,
        LOGIN_FAILURES_PER_DEVICE=3,
        LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS=100,
    )
    add_user(app, "ada@example.com")
    stolen = app.test_client()
    login(stolen, "ada@example.com")
    logout(stolen)
    for number in range(3):
        assert login(stolen, "ada@example.com", f"guess {number}").status_code == 400
    attack(app, "ada@example.com", 17)
    assert login(stolen, "ada@example.com").status_code == 429


def test_a_device_is_known_to_one_account_only(tmp_path):
    app = make_app(tmp_path, LOGIN_FAILURES_PER_ACCOUNT=10)
    add_user(app, "ada@example.com")
    add_user(app, "bob@example.com")
    browser = app.test_client()
    login(browser, "ada@example.com")
    logout(browser)
    attack(app, "bob@example.com", 10)
    assert login(browser, "bob@example.com").status_code == 429  # known to Ada, not to Bob
    with app.extensions["db_sessionmaker"]() as db:
        assert db.scalar(sa.select(sa.func.count()).select_from(TrustedDevice)) == 1
