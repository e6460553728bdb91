"""The `omnicourse` command group: thin wrappers around `course/` and the app.

One module per command or group: build, serve, db, users, i18n; `check` is here.
"""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from app import create_app
from app.cli.build import build
from app.cli.db import db
from app.cli.i18n import i18n
from app.cli.serve import serve
from app.cli.users import users
from course import load_course
from course.audio import check_recordings
from course.translation import check_catalogues


def _create_app():
    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """Omnicourse: serve, check and build the omnichannel course."""


@main.command()
@with_appcontext
def check() -> None:
    """Validate all content; list every problem as file:line: message."""
    course = load_course(current_app.config["CONTENT_DIR"])
    modules = sum(len(by_slug) for by_slug in course.modules.values())
    errors = [*course.errors, *check_catalogues(current_app.config["TRANSLATIONS_DIR"])]
    errors += check_recordings(course)
    for error in errors:
        click.echo(str(error), err=True)
    if errors:
        click.echo(f"{len(errors)} problem(s) found; {modules} module file(s) are fine.", err=True)
        sys.exit(1)
    click.echo(
        f"All content is valid: {modules} module file(s) in {len(course.locales)} locale(s)."
    )


for command in (build, serve, db, users, i18n):
    main.add_command(command)

__all__ = ["build", "check", "main"]
