"""`omnicourse mail`: what waits in the outbox, send it now, send a test message."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from app.mail import queue_mail, send_due
from app.models import OutboxMessage


@click.group()
def mail() -> None:
    """The outbox of email: status, sending, a test message."""


@mail.command("status")
@with_appcontext
def status() -> None:
    """How many messages are sent, waiting and given up, and the last errors."""
    table = OutboxMessage
    with current_app.extensions["db_sessionmaker"]() as db:
        sent = db.scalar(sa.select(sa.func.count()).where(table.sent_at.is_not(None)))
        failed = db.scalar(sa.select(sa.func.count()).where(table.failed_at.is_not(None)))
        waiting = db.scalars(
            sa.select(table)
            .where(table.sent_at.is_(None), table.failed_at.is_(None))
            .order_by(table.next_attempt_at)
        ).all()
        click.echo(f"sent: {sent}  waiting: {len(waiting)}  given up: {failed}")
        host = current_app.config.get("MAIL_HOST") or "none: messages go to instance/mail/"
        click.echo(f"mail server: {host}")
        for message in waiting[:20]:
            error = f"  last error: {message.last_error}" if message.last_error else ""
            click.echo(
                f"  {message.kind} to {message.recipient}, attempt {message.attempts + 1} "
                f"at {message.next_attempt_at:%Y-%m-%d %H:%M} UTC{error}"
            )


@mail.command("send")
@with_appcontext
def send() -> None:
    """Send every message that is due now (servers do this by themselves)."""
    count = send_due(current_app._get_current_object())
    click.echo(f"Sent {count} message(s).")


@mail.command("test")
@click.argument("address")
@with_appcontext
def test(address: str) -> None:
    """Send a test message to ADDRESS now, through the configured mail server."""
    app = current_app._get_current_object()
    sessions = app.extensions["db_sessionmaker"]
    with app.test_request_context(), sessions() as db:
        queue_mail(db, "test", address, None)
        db.commit()
        message_id = db.scalar(sa.select(sa.func.max(OutboxMessage.id)))
    send_due(app)
    with sessions() as db:
        message = db.get(OutboxMessage, message_id)
        if message is None or message.sent_at is None:
            error = message.last_error if message else "it is gone"
            raise click.ClickException(f"the test message could not be sent: {error}")
    click.echo(f"Sent a test message to {address}.")
