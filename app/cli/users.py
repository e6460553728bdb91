"""`omnicourse users`: create accounts and set their roles from the console."""

from __future__ import annotations

import sys

import click
import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask.cli import with_appcontext

from app.auth import sessions
from app.auth.accounts import create_user, find_user, normalize_email, password_problems
from app.content import get_course
from app.db import pending_migrations, upgrade
from app.models import ROLES, User


def _check_password(password: str, email: str) -> str:
    problems = password_problems(password, email)
    if problems:
        raise click.BadParameter(" ".join(str(p) for p in problems), param_hint="password")
    return password


@click.group()
def users() -> None:
    """Create accounts and set their roles."""


@users.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="learner", show_default=True)
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input (for scripts)."
)
@with_appcontext
def create(email: str, role: str, password_stdin: bool) -> None:
    """Create an account (its address counts as confirmed); asks for its password."""
    try:
        email = normalize_email(validate_email(email, check_deliverability=False).normalized)
    except EmailNotValidError as error:
        raise click.BadParameter(str(error), param_hint="EMAIL") from None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    _check_password(password, email)
    app = current_app._get_current_object()
    if pending_migrations(app):
        upgrade(app)
    with app.extensions["db_sessionmaker"]() as db:
        if find_user(db, email) is not None:
            raise click.ClickException(f"an account for {email} already exists")
        create_user(db, email, password, role, verified=True)  # the administrator vouches
        db.commit()
    click.echo(f"Created {email} with the role {role}.")


@users.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice(ROLES))
@with_appcontext
def set_role(email: str, role: str) -> None:
    """Give an existing account another role."""
    with current_app.extensions["db_sessionmaker"]() as db:
        user = find_user(db, email)
        if user is None:
            raise click.ClickException(f"no account for {email}")
        user.role = role
        db.commit()
    click.echo(f"{email} now has the role {role}.")


@users.command("set-locales")
@click.argument("email")
@click.argument("locales", nargs=-1)
@with_appcontext
def set_locales(email: str, locales: tuple[str, ...]) -> None:
    """Choose the languages a translator edits in the studio (none: no language)."""
    known = get_course().locales
    unknown = [code for code in locales if code not in known]
    if unknown:
        raise click.ClickException(
            f"unknown language(s) {', '.join(unknown)}; the course has {', '.join(known)}"
        )
    with current_app.extensions["db_sessionmaker"]() as db:
        user = find_user(db, email)
        if user is None:
            raise click.ClickException(f"no account for {email}")
        user.studio_locales = " ".join(sorted(set(locales)))
        db.commit()
    click.echo(f"{email} edits: {' '.join(sorted(set(locales))) or 'no language'}.")


@users.command("list")
@with_appcontext
def list_users() -> None:
    """List accounts with their roles and whether their address is confirmed."""
    with current_app.extensions["db_sessionmaker"]() as db:
        for user in db.scalars(sa.select(User).order_by(User.email)):
            confirmed = "confirmed" if user.email_verified else "not confirmed"
            edits = f"\tedits {user.studio_locales}" if user.studio_locales else ""
            click.echo(f"{user.email}\t{user.role}\t{confirmed}{edits}")


@users.command("logout")
@click.argument("email")
@with_appcontext
def logout_everywhere(email: str) -> None:
    """End every session of an account at once (a stolen laptop, a shared password)."""
    with current_app.extensions["db_sessionmaker"]() as db:
        user = find_user(db, email)
        if user is None:
            raise click.ClickException(f"no account for {email}")
        count = sessions.close_all(db, user.id)
        db.commit()
    click.echo(f"Ended {count} session(s) of {email}.")
