"""Delivering the outbox: SMTP (or files, with no mail server set), with retries and back-off.

Every server process runs one sender thread. A sender takes one message at a
time by claiming it for a while (an UPDATE that only one process can win), so
several workers, or several servers sharing a database, never send a message
twice; a sender that dies with a claim leaves it to another after the claim
runs out. A message that fails is tried again after 1, 2, 4 … minutes (at most
six hours apart), and given up after MAIL_MAX_ATTEMPTS tries, or at once when
the server refuses the address for good.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
import threading
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from app.models import OutboxMessage, utcnow
from app.proxy import split_host

log = logging.getLogger(__name__)

CLAIM = timedelta(minutes=5)  # longer than any delivery with its timeouts
KEPT_AFTER_SENDING = timedelta(days=30)  # then a message (an address, a link) is deleted
MAX_BACKOFF = timedelta(hours=6)
ERROR_KEPT = 500


class PermanentFailure(Exception):
    """The mail server will never accept this message (an unknown or refused address)."""


def send_due(app: Flask, now: datetime | None = None, limit: int = 100) -> int:
    """Deliver the messages that are due, one claim at a time; how many were delivered."""
    sent = 0
    with app.app_context(), app.extensions["db_sessionmaker"]() as db:
        _forget_old(db, now or utcnow())
        for _ in range(limit):
            message = _claim_next(db, now or utcnow())
            if message is None:
                break
            sent += _deliver(app, db, message, now or utcnow())
    return sent


def _forget_old(db: Session, now: datetime) -> None:
    """Messages sent or given up a month ago hold addresses and links nobody needs."""
    old = now - KEPT_AFTER_SENDING
    db.execute(
        sa.delete(OutboxMessage).where(
            sa.or_(OutboxMessage.sent_at < old, OutboxMessage.failed_at < old)
        )
    )
    db.commit()


def _claim_next(db: Session, now: datetime) -> OutboxMessage | None:
    table = OutboxMessage
    free = sa.or_(table.claimed_until.is_(None), table.claimed_until < now)
    due = [table.sent_at.is_(None), table.failed_at.is_(None), table.next_attempt_at <= now]
    while True:
        found = db.scalar(
            sa.select(table.id).where(*due, free).order_by(table.next_attempt_at, table.id).limit(1)
        )
        if found is None:
            return None
        claimed = db.execute(
            sa.update(table)
            .where(table.id == found, *due, free)
            .values(claimed_until=now + CLAIM, attempts=table.attempts + 1)
        )
        db.commit()
        if claimed.rowcount == 1:
            return db.get(table, found)
        # Another sender took it first: look for the next one.


def _deliver(app: Flask, db: Session, message: OutboxMessage, now: datetime) -> int:
    config = app.config
    try:
        transport(app)(compose(config, message))
    except Exception as error:  # every failure is recorded; the message is never lost
        message.claimed_until = None
        message.last_error = f"{type(error).__name__}: {error}"[:ERROR_KEPT]
        permanent = isinstance(error, PermanentFailure)
        if permanent or message.attempts >= int(config["MAIL_MAX_ATTEMPTS"]):
            message.failed_at = now
            log.error("gave up sending %s to %s: %s", message.kind, message.recipient, error)
        else:
            message.next_attempt_at = now + backoff(message.attempts)
            log.warning(
                "could not send %s (attempt %d), trying again at %s: %s",
                message.kind, message.attempts, message.next_attempt_at, error,
            )  # fmt: skip
        db.commit()
        return 0
    message.sent_at = utcnow()
    message.claimed_until = None
    message.last_error = None
    db.commit()
    log.info("sent %s to %s", message.kind, message.recipient)
    return 1


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failure: 1, 2, 4 … minutes, at most 6 hours."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def sender_address(config: Any) -> str:
    """MAIL_SENDER, else no-reply@ the public server name."""
    if config.get("MAIL_SENDER"):
        return str(config["MAIL_SENDER"])
    return f"no-reply@{split_host(str(config.get('SERVER_NAME') or 'localhost'))[0]}"


def compose(config: Any, message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    sender = sender_address(config)
    email["From"] = sender
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    # The same id on every attempt: a server that got a message twice can tell.
    email["Message-ID"] = make_msgid(f"outbox.{message.id}", domain=sender.rpartition("@")[2])
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.text_body)
    email.add_alternative(message.html_body, subtype="html")
    email["Content-Language"] = message.locale  # after the content, which resets Content-*
    return email


def transport(app: Flask):
    """SMTP when MAIL_HOST is set; otherwise each message is written to instance/mail/."""
    config = app.config
    if not config.get("MAIL_HOST"):
        folder = Path(app.instance_path) / "mail"
        return lambda email: _to_file(folder, email)
    return lambda email: _by_smtp(config, email)


def _to_file(folder: Path, email: EmailMessage) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    name = email["Message-ID"].strip("<>").replace("/", "_") + ".eml"
    (folder / name).write_bytes(bytes(email))
    log.warning(
        "no mail server is set (OMNICOURSE_MAIL_HOST): the message to %s is in %s",
        email["To"], folder / name,
    )  # fmt: skip


def _by_smtp(config: Any, email: EmailMessage) -> None:
    host = str(config["MAIL_HOST"])
    tls = str(config.get("MAIL_TLS") or "none").lower()
    port = int(config.get("MAIL_PORT") or {"ssl": 465, "starttls": 587}.get(tls, 25))
    timeout = float(config["MAIL_TIMEOUT_SECONDS"])
    context = ssl.create_default_context()
    # Our own name in the greeting: without it smtplib asks the DNS, which may hang.
    hello = split_host(str(config.get("SERVER_NAME") or "localhost"))[0]
    try:
        if tls == "ssl":
            server: smtplib.SMTP = smtplib.SMTP_SSL(
                host, port, local_hostname=hello, timeout=timeout, context=context
            )
        else:
            server = smtplib.SMTP(host, port, local_hostname=hello, timeout=timeout)
        with server:
            if tls == "starttls":
                server.starttls(context=context)
            if config.get("MAIL_USER"):
                server.login(str(config["MAIL_USER"]), str(config.get("MAIL_PASSWORD") or ""))
            server.send_message(email)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        if all(500 <= code < 600 for code in codes):
            raise PermanentFailure(f"the mail server refused the address: {codes}") from error
        raise


class MailWorker:
    """The sender thread of one server process, started on first use (after any fork)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.enabled = bool(app.config.get("MAIL_WORKER", True))
        self.poll = float(app.config["MAIL_POLL_SECONDS"])
        self._pid: int | None = None
        self._lock = threading.Lock()
        self._wake = threading.Event()

    def wake(self) -> None:
        """Send what is due now (the thread is started if this process has none)."""
        if not self.enabled:
            return
        self.start()
        self._wake.set()

    def start(self) -> None:
        """Run the sender thread in this process (again after a fork), if not running."""
        if not self.enabled or self._pid == os.getpid():
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._wake = threading.Event()
            threading.Thread(target=self._run, name="mail-sender", daemon=True).start()

    def _run(self) -> None:
        while True:
            try:
                send_due(self.app)
            except Exception:  # the database was away: try again at the next round
                log.exception("the mail sender could not read the outbox")
            self._wake.wait(self.poll)
            self._wake.clear()
