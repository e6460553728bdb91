"""Delivering the outbox: SMTP (or files, with no mail server set), with retries and back-off.

Every server process runs one sender thread. Claims and back-off are those of
every outbox (app/outbox.py): several workers never send a message twice, and a
message that fails is tried again after 1, 2, 4 … minutes, and given up after
MAIL_MAX_ATTEMPTS tries, or at once when the server refuses the address for good.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from app.models import OutboxMessage, utcnow
from app.outbox import BackgroundSender, claim_next, forget_old, mark_delivered, mark_failed
from app.proxy import split_host

log = logging.getLogger(__name__)

KEPT_AFTER_SENDING = timedelta(days=30)  # then a message (an address, a link) is deleted


class PermanentFailure(Exception):
    """The mail server will never accept this message (an unknown or refused address)."""


def send_due(app: Flask, now: datetime | None = None, limit: int = 100) -> int:
    """Deliver the messages that are due, one claim at a time; how many were delivered."""
    sent = 0
    with app.app_context(), app.extensions["db_sessionmaker"]() as db:
        forget_old(db, OutboxMessage, now or utcnow(), KEPT_AFTER_SENDING)
        for _ in range(limit):
            message = claim_next(db, OutboxMessage, now or utcnow())
            if message is None:
                break
            sent += _deliver(app, db, message, now or utcnow())
    return sent


def _deliver(app: Flask, db: Session, message: OutboxMessage, now: datetime) -> int:
    config = app.config
    try:
        transport(app)(compose(config, message))
    except Exception as error:  # every failure is recorded; the message is never lost
        permanent = isinstance(error, PermanentFailure)
        if mark_failed(message, error, now, int(config["MAIL_MAX_ATTEMPTS"]), permanent=permanent):
            log.error("gave up sending %s to %s: %s", message.kind, message.recipient, error)
        else:
            log.warning(
                "could not send %s (attempt %d), trying again at %s: %s",
                message.kind, message.attempts, message.next_attempt_at, error,
            )  # fmt: skip
        db.commit()
        return 0
    mark_delivered(message, utcnow())
    db.commit()
    log.info("sent %s to %s", message.kind, message.recipient)
    return 1


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


def mail_worker(app: Flask) -> BackgroundSender:
    """The sender thread of one server process (MAIL_WORKER, every MAIL_POLL_SECONDS)."""
    return BackgroundSender(
        app,
        "mail-sender",
        send_due,
        enabled=bool(app.config.get("MAIL_WORKER", True)),
        poll=float(app.config["MAIL_POLL_SECONDS"]),
    )
