"""`omnicourse xapi`: what waits for the learning record store, and send it now."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from app.models import XapiStatement
from app.outbox import status_counts
from app.xapi import send_due
from app.xapi.sender import shown_endpoint

SHOWN = 20


@click.group()
def xapi() -> None:
    """Learning records for an LRS: status and sending."""


@xapi.command("status")
@with_appcontext
def status() -> None:
    """How many statements are delivered, waiting and given up, and the last errors."""
    config = current_app.config
    endpoint = shown_endpoint(config) if config.get("XAPI_ENDPOINT") else None
    click.echo(f"LRS: {endpoint or 'none (set OMNICOURSE_XAPI_ENDPOINT): nothing is recorded'}")
    table = XapiStatement
    with current_app.extensions["db_sessionmaker"]() as db:
        sent, waiting, failed = status_counts(db, table)
        click.echo(f"sent: {sent}  waiting: {waiting}  given up: {failed}")
        rows = db.scalars(
            sa.select(table)
            .where(table.sent_at.is_(None), table.failed_at.is_(None))
            .order_by(table.next_attempt_at, table.id)
            .limit(SHOWN)
        ).all()
        for row in rows:
            error = f"  last error: {row.last_error}" if row.last_error else ""
            click.echo(
                f"  waiting: {row.verb} {row.statement_id}, attempt {row.attempts + 1} "
                f"at {row.next_attempt_at:%Y-%m-%d %H:%M} UTC{error}"
            )
        given_up = db.scalars(
            sa.select(table)
            .where(table.failed_at.is_not(None))
            .order_by(table.failed_at.desc())
            .limit(SHOWN)
        ).all()
        for row in given_up:
            click.echo(
                f"  given up: {row.verb} {row.statement_id} after {row.attempts} attempt(s) "
                f"at {row.failed_at:%Y-%m-%d %H:%M} UTC  last error: {row.last_error}"
            )


@xapi.command("send")
@with_appcontext
def send() -> None:
    """Send every waiting statement now, without waiting for its next attempt (servers
    send by themselves, backing off while the LRS fails)."""
    if not current_app.config.get("XAPI_ENDPOINT"):
        raise click.ClickException("no LRS is set: set OMNICOURSE_XAPI_ENDPOINT")
    count = send_due(current_app._get_current_object(), waiting_too=True)
    click.echo(f"Sent {count} statement(s).")
    with current_app.extensions["db_sessionmaker"]() as db:
        _, waiting, failed = status_counts(db, XapiStatement)
    if failed:
        click.echo(f"{failed} statement(s) given up: see `omnicourse xapi status`.")
    if waiting:
        raise click.ClickException(
            f"{waiting} statement(s) could not be sent and wait: see `omnicourse xapi status`"
        )
