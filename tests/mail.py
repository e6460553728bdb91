"""Mail in tests: the outbox as the app stored it, and a real SMTP server on the loopback.

The app's real sender delivers to `SmtpServer` (aiosmtpd), so every test of mail
goes through smtplib and SMTP exactly as a deployment does. A server can be held
(`hold()`), to show that nothing waits for it.
"""

from __future__ import annotations

import email
import email.policy
import re
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import urlsplit

import sqlalchemy as sa
from aiosmtpd.controller import Controller

from app.mail.devserver import free_port
from app.models import OutboxMessage

LINK = re.compile(r"https?://\S+")


def outbox(app, to: str | None = None) -> list[OutboxMessage]:
    """The messages the app has queued (sent or not), oldest first."""
    with app.extensions["db_sessionmaker"]() as session:
        statement = sa.select(OutboxMessage).order_by(OutboxMessage.id)
        if to is not None:
            statement = statement.where(OutboxMessage.recipient == to)
        return list(session.scalars(statement))


def links(text: str) -> list[str]:
    return LINK.findall(text)


def path_of(url: str) -> str:
    """The part of a link the test client asks for (it talks to the app directly)."""
    return urlsplit(url).path


def link_to(app, to: str, kind: str, path_start: str) -> str | None:
    """The path of the last link starting with `path_start` in a `kind` message to `to`."""
    for message in reversed(outbox(app, to)):
        if message.kind == kind:
            for url in links(message.text_body):
                if path_of(url).startswith(path_start):
                    return path_of(url)
    return None


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def text(self) -> str:
        return self.message.get_body(("plain",)).get_content()

    @property
    def html(self) -> str:
        return self.message.get_body(("html",)).get_content()


class SmtpServer:
    """aiosmtpd on 127.0.0.1, keeping what it receives; `hold()` makes it wait to answer."""

    def __init__(self, port: int | None = None, refuse: tuple[str, ...] = ()) -> None:
        self.received: list[Received] = []
        self.refuse = refuse  # addresses answered "550 no such user"
        self.port = port or free_port(0)
        self._open = threading.Event()
        self._open.set()
        self._arrived = threading.Condition()
        self.controller = Controller(
            self, hostname="127.0.0.1", port=self.port, server_hostname="localhost"
        )

    async def handle_RCPT(self, server, session, envelope, address, options) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd's name
        import asyncio

        while not self._open.is_set():  # held: the sender waits for our answer
            await asyncio.sleep(0.01)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._arrived:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
            self._arrived.notify_all()
        return "250 OK"

    def hold(self) -> None:
        self._open.clear()

    def release(self) -> None:
        self._open.set()

    def wait_for(self, count: int, timeout: float = 10) -> list[Received]:
        """The messages received, once there are `count` of them (or the timeout)."""
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.received) >= count, timeout)
        return list(self.received)

    def config(self) -> dict[str, object]:
        """The app's settings to send here."""
        return {"MAIL_HOST": "127.0.0.1", "MAIL_PORT": self.port, "MAIL_TLS": "none"}

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
        self.controller.stop()
