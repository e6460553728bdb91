"""A mail server for development: `omnicourse run` starts it on the loopback when no
OMNICOURSE_MAIL_HOST is set, so the real SMTP path runs and each message (links
included) is printed in the console and kept in instance/mail/."""

from __future__ import annotations

import email
import email.policy
import socket
from pathlib import Path

import click
from aiosmtpd.controller import Controller

DEFAULT_PORT = 8025


class _Printer:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd's name
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        text = message.get_body(("plain",))
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{message['Message-ID'] or id(envelope)}".strip("<>").replace("/", "_")
        (self.folder / f"{name}.eml").write_bytes(envelope.content)
        to = ", ".join(envelope.rcpt_tos)
        click.secho(f"\n--- mail to {to}: {message['Subject']}", fg="cyan")
        click.echo(text.get_content() if text is not None else "(no plain text part)")
        click.secho("---", fg="cyan")
        return "250 Message accepted for delivery"


def free_port(preferred: int = DEFAULT_PORT) -> int:
    """`preferred` if it is free on the loopback, else any free port (0: any)."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", preferred))
        except OSError:
            probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(folder: Path, port: int) -> Controller:
    controller = Controller(
        _Printer(folder), hostname="127.0.0.1", port=port, server_hostname="localhost"
    )
    controller.start()
    return controller
