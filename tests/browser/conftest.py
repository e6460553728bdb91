"""Browser tests: Playwright drives Debian's Chromium against `omnicourse serve`.

Without Chromium (or Playwright) these tests are skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from tests.bench.server import running_server
from tests.databases import sqlite_url
from tests.mail import SmtpServer, links

CHROMIUM = os.environ.get("OMNICOURSE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # A fake microphone playing a beep, allowed without a prompt (tests/browser/test_recorder.py).
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]

pytestmark = pytest.mark.browser

# Every test of the shared server is a learner in a hurry from one address: self-test
# limits and reading times are tested against `strict_server`, the others in tests/app.
RELAXED = {
    "OMNICOURSE_QUIZ_ATTEMPTS_PER_MINUTE": "1000",
    "OMNICOURSE_QUIZ_ATTEMPTS_PER_DAY": "1000",
    "OMNICOURSE_QUIZ_GUEST_ATTEMPTS_PER_ADDRESS": "1000",
    "OMNICOURSE_READING_WORDS_PER_MINUTE": "1000000000",
    "OMNICOURSE_MAIL_REQUESTS_PER_ADDRESS": "1000",
    "OMNICOURSE_MAIL_REQUESTS_PER_NETWORK": "1000",
    "OMNICOURSE_NEW_GUESTS_PER_ADDRESS": "1000",
    "OMNICOURSE_QUIZ_POSTS_PER_ADDRESS": "1000",
}


def _playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the test extra installs it
        pytest.skip("Playwright for Python is not installed (pip install -e '.[test]')")
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium not found at {CHROMIUM}: apt-get install chromium (.ci/system-deps)")
    return sync_playwright


@pytest.fixture(scope="session")
def live_database(tmp_path_factory) -> str:
    """The live server's database, so tests can add accounts to it."""
    return sqlite_url(tmp_path_factory.mktemp("live"))


@pytest.fixture(scope="session")
def mailbox() -> Iterator[SmtpServer]:
    """The mail server the live server sends to: learners read their links here."""
    with SmtpServer() as server:
        yield server


@pytest.fixture(scope="session")
def live_server(live_database, built_course, mailbox) -> Iterator[str]:
    """The real production server, with the run's audio and PDFs, for the whole session."""
    env = {
        "OMNICOURSE_TTS_ENGINES": "recording,espeak",
        "OMNICOURSE_DATABASE_URL": live_database,
        **{f"OMNICOURSE_{name}": str(value) for name, value in mailbox.config().items()},
        **RELAXED,
    }
    with running_server(workers=2, env=env, prebuilt=built_course.build) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def strict_server(tmp_path_factory, built_course) -> Iterator[str]:
    """A server with the limits and reading times learners meet (one worker)."""
    database = sqlite_url(tmp_path_factory.mktemp("strict"))
    env = {"OMNICOURSE_TTS_ENGINES": "recording,espeak", "OMNICOURSE_DATABASE_URL": database}
    with running_server(workers=1, env=env, prebuilt=built_course.build) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def browser():
    sync_playwright = _playwright()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.dialogs = dialogs  # XSS tests assert that no dialog ever fired
    yield page
    context.close()


def sign_up(page, live_server: str, mailbox: SmtpServer, email: str, password: str) -> None:
    """Create an account in the page as a learner does, then open the link sent to them."""
    page.goto(f"{live_server}/auth/register")
    page.fill("#email", email)
    page.fill("#password", password)
    page.fill("#confirm", password)
    page.locator("main form [type=submit]").first.click()
    page.wait_for_url(lambda url: "/auth/check-inbox" in url)
    page.goto(confirmation_link(mailbox, email))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(lambda url: "/auth/verify/" not in url)


def confirmation_link(mailbox: SmtpServer, email: str, timeout: float = 30) -> str:
    """The newest confirmation link sent to `email` (the server's sender sends it soon)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for received in reversed(mailbox.received):
            if email in received.recipients:
                found = [url for url in links(received.text) if "/auth/verify/" in url]
                if found:
                    return found[-1]
        mailbox.wait_for(len(mailbox.received) + 1, timeout=1)
    raise AssertionError(f"no confirmation link reached {email}")
