"""Email leaves through a real SMTP server, outside the request, and is never lost."""

from __future__ import annotations

import os
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from app.cli.mail import mail as mail_command
from app.mail import send_due
from app.mail.devserver import free_port
from app.models import OutboxMessage, utcnow
from tests.bench.server import running_server
from tests.conftest import OFFLINE_BUILD, csrf_token, make_app
from tests.learners import register
from tests.mail import SmtpServer, links, outbox, path_of


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


def wait_until(condition, timeout: float = 10) -> bool:
    """Poll `condition` until it holds: for work another thread does, never a fixed sleep."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_a_sign_up_link_arrives_by_smtp_as_text_and_html_and_works(tmp_path, smtp):
    app = make_app(tmp_path, **smtp.config(), SERVER_NAME="http://course.example.org")
    client = app.test_client()
    register(client, "ada@example.com", follow_link=False)
    assert smtp.received == []  # nothing is sent inside the request
    assert send_due(app) == 1
    [received] = smtp.received
    assert received.recipients == ["ada@example.com"]
    assert received.sender == "no-reply@course.example.org"
    message = received.message
    assert message["Subject"] == "Confirm your email address · Omnichannel strategy"
    assert message["Content-Language"] == "en" and message["Message-ID"]
    [link] = [url for url in links(received.text) if "/auth/verify/" in url]
    assert link.startswith("http://course.example.org/auth/verify/")
    assert f'href="{link}"' in received.html
    assert client.get(path_of(link)).status_code == 200
    [stored] = outbox(app)
    assert stored.sent_at is not None and stored.attempts == 1


def test_a_slow_mail_server_never_delays_a_page(tmp_path, smtp):
    app = make_app(tmp_path, **smtp.config(), MAIL_WORKER=True)
    smtp.hold()  # the server takes the message but does not answer
    client = app.test_client()
    response = register(client, "ada@example.com", follow_link=False)
    assert response.status_code == 302  # answered while the sender waits for the server
    assert client.get(response.location).status_code == 200
    assert smtp.received == [] and outbox(app)[0].sent_at is None
    smtp.release()
    assert len(smtp.wait_for(1)) == 1
    assert wait_until(lambda: outbox(app)[0].sent_at is not None)


def test_no_message_is_lost_while_the_mail_server_is_down(tmp_path):
    port = free_port(0)
    app = make_app(tmp_path, MAIL_HOST="127.0.0.1", MAIL_PORT=port, MAIL_TLS="none")
    register(app.test_client(), "ada@example.com", follow_link=False)
    assert send_due(app) == 0
    [waiting] = outbox(app)
    assert waiting.sent_at is None and waiting.failed_at is None and waiting.attempts == 1
    assert "ConnectionRefusedError" in waiting.last_error
    assert waiting.next_attempt_at > utcnow()
    assert send_due(app) == 0 and outbox(app)[0].attempts == 1  # not due again yet
    with SmtpServer(port=port) as smtp:
        assert send_due(app, now=utcnow() + timedelta(minutes=2)) == 1
        [received] = smtp.received
        assert received.recipients == ["ada@example.com"]
    assert outbox(app)[0].sent_at is not None


def test_retries_back_off_and_end_after_the_last_attempt(tmp_path):
    app = make_app(
        tmp_path, MAIL_HOST="127.0.0.1", MAIL_PORT=free_port(0), MAIL_TLS="none",
        MAIL_MAX_ATTEMPTS=3,
    )  # fmt: skip
    register(app.test_client(), "ada@example.com", follow_link=False)
    waits = []
    for _ in range(3):
        before = outbox(app)[0].next_attempt_at
        send_due(app, now=before)
        waits.append(outbox(app)[0].next_attempt_at - before)
    [given_up] = outbox(app)
    assert given_up.failed_at is not None and given_up.attempts == 3
    assert waits[1] > waits[0]  # 1 minute, then 2


def test_an_address_the_server_refuses_for_good_is_not_tried_again(tmp_path):
    with SmtpServer(refuse=("ada@example.com",)) as smtp:
        app = make_app(tmp_path, **smtp.config())
        register(app.test_client(), "ada@example.com", follow_link=False)
        assert send_due(app) == 0
    [refused] = outbox(app)
    assert refused.failed_at is not None and refused.attempts == 1
    assert "550" in refused.last_error


def test_two_processes_sending_the_same_outbox_send_each_message_once(tmp_path, smtp):
    settings = {
        **smtp.config(),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'shared.sqlite3'}",
        "MAIL_REQUESTS_PER_ADDRESS": 100,
    }
    first = make_app(tmp_path / "a", **settings)
    second = make_app(tmp_path / "b", **settings)
    for number in range(12):
        register(first.test_client(), f"learner{number}@example.com", follow_link=False)
    counts: list[int] = []
    threads = [
        threading.Thread(target=lambda app=app: counts.append(send_due(app)))
        for app in (first, second)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(counts) == 12
    assert sorted(r.recipients[0] for r in smtp.received) == sorted(
        f"learner{number}@example.com" for number in range(12)
    )


def test_without_a_mail_server_messages_are_kept_as_files(app):
    register(app.test_client(), "ada@example.com", follow_link=False)
    assert send_due(app) == 1
    [saved] = (Path(app.instance_path) / "mail").glob("*.eml")
    text = saved.read_text()
    assert "To: ada@example.com" in text and "/auth/verify/" in text


def test_the_mail_commands_report_send_and_test(tmp_path, smtp):
    app = make_app(tmp_path, **smtp.config())
    register(app.test_client(), "ada@example.com", follow_link=False)
    runner = app.test_cli_runner()
    status = runner.invoke(mail_command, ["status"])
    assert "waiting: 1" in status.output and "verify-email to ada@example.com" in status.output
    assert "Sent 1 message(s)." in runner.invoke(mail_command, ["send"]).output
    assert "sent: 1  waiting: 0" in runner.invoke(mail_command, ["status"]).output
    tested = runner.invoke(mail_command, ["test", "ops@example.com"])
    assert tested.exit_code == 0, tested.output
    assert smtp.received[-1].recipients == ["ops@example.com"]
    assert "can send email" in smtp.received[-1].text


def test_a_failed_test_message_says_why(tmp_path):
    app = make_app(tmp_path, MAIL_HOST="127.0.0.1", MAIL_PORT=free_port(0), MAIL_TLS="none")
    result = app.test_cli_runner().invoke(mail_command, ["test", "ops@example.com"])
    assert result.exit_code != 0 and "ConnectionRefusedError" in result.output


@pytest.mark.slow
def test_a_running_server_sends_by_itself(smtp, built_course):
    env = {
        **{f"OMNICOURSE_{k}": str(v) for k, v in smtp.config().items()},
        **{f"OMNICOURSE_{k}": v for k, v in OFFLINE_BUILD.items()},
        "OMNICOURSE_SERVER_NAME": "http://course.test",
        "OMNICOURSE_TRUSTED_HOSTS": "127.0.0.1",
    }
    with running_server(env=env, prebuilt=built_course.build) as port:
        browser = requests.Session()
        base = f"http://127.0.0.1:{port}"
        form = browser.get(f"{base}/auth/register")
        sent = browser.post(
            f"{base}/auth/register",
            data={
                "csrf_token": csrf_token(form.text),
                "email": "ada@example.com",
                "password": "correct horse battery",
                "confirm": "correct horse battery",
            },
            allow_redirects=False,
        )
        assert sent.status_code == 302
        [received] = smtp.wait_for(1)
    [link] = [url for url in links(received.text) if "/auth/verify/" in url]
    assert link.startswith("http://course.test/auth/verify/")
    assert os.environ.get("OMNICOURSE_MAIL_HOST") is None  # the test's settings stayed there


CONTEXT = {
    "link": "https://course.example.org/auth/x",
    "login_link": "https://course.example.org/auth/login",
    "reset_link": "https://course.example.org/auth/reset",
    "expires": "1 hour",
    "when": "2026-12-03 10:00",
    "new_address": "new@example.com",
}


def rendered(app, kind: str, locale: str) -> OutboxMessage:
    from app.mail import queue_mail
    from app.mail.messages import SUBJECTS

    assert kind in SUBJECTS
    with app.test_request_context(), app.extensions["db_sessionmaker"]() as db:
        queue_mail(db, kind, f"{kind}-{locale}@example.com", locale, **CONTEXT)
        db.commit()
    return outbox(app, f"{kind}-{locale}@example.com")[-1]


@pytest.mark.parametrize("locale", ["pl", "zh", "yo"])
def test_every_message_is_in_the_learners_language(app, locale):
    from app.mail.messages import SUBJECTS

    for kind in SUBJECTS:
        english, translated = rendered(app, kind, "en"), rendered(app, kind, locale)
        assert translated.subject != english.subject, kind
        assert f'<html lang="{locale}">' in translated.html_body
        sentences = [line for line in english.text_body.splitlines() if len(line.split()) > 3]
        for sentence in sentences:
            if "http" not in sentence:
                assert sentence not in translated.text_body, (kind, sentence)


def test_messages_are_deleted_a_month_after_they_were_sent(app):
    register(app.test_client(), "ada@example.com", follow_link=False)
    assert send_due(app) == 1
    assert send_due(app, now=utcnow() + timedelta(days=29)) == 0 and len(outbox(app)) == 1
    send_due(app, now=utcnow() + timedelta(days=31))
    assert outbox(app) == []
