"""`omnicourse db`: apply and write database migrations."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext

from app.db import alembic_config, pending_migrations, upgrade
from app.models import User

ADMIN_HINT = (
    "No admin account yet. Create one with:\n    omnicourse users create EMAIL --role admin"
)


def admin_hint(app: Flask) -> str | None:
    """The console's advice when nobody can administer the site yet."""
    with app.extensions["db_sessionmaker"]() as session:
        admins = session.scalar(sa.select(sa.func.count()).where(User.role == "admin"))
    return None if admins else ADMIN_HINT


def prepare_database(app: Flask) -> None:
    """Create or upgrade the database, then say how to create an admin if there is none."""
    pending = pending_migrations(app)
    if pending:
        click.echo(f"Applying {len(pending)} database migration(s): {', '.join(pending)}")
        upgrade(app)
    hint = admin_hint(app)
    if hint:
        click.echo(hint, err=True)
    app.extensions["db_engine"].dispose()  # server workers open their own connections


@click.group()
def db() -> None:
    """Apply and write database migrations (Alembic)."""


@db.command("upgrade")
@with_appcontext
def upgrade_command() -> None:
    """Create the database or apply pending migrations; keeps all data."""
    app = current_app._get_current_object()
    prepare_database(app)
    click.echo("The database is up to date.")


@db.command("status")
@with_appcontext
def status() -> None:
    """Show the migrations not yet applied."""
    pending = pending_migrations(current_app._get_current_object())
    click.echo(f"Pending: {', '.join(pending)}" if pending else "The database is up to date.")


@db.command("revision")
@click.option("-m", "--message", required=True, help="What the migration does.")
@click.option("--autogenerate", is_flag=True, help="Compare the models with the database.")
@with_appcontext
def revision(message: str, autogenerate: bool) -> None:
    """Write a new migration into app/migrations/versions (for developers)."""
    from alembic import command
    from alembic.script import ScriptDirectory

    config = alembic_config(current_app._get_current_object())
    # Numbered ids (0002, 0003…) keep the history readable in the file listing.
    count = len(list(ScriptDirectory.from_config(config).walk_revisions()))
    config.attributes["autogenerate"] = autogenerate
    command.revision(config, message=message, autogenerate=autogenerate, rev_id=f"{count + 1:04d}")
