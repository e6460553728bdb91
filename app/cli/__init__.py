"""The `omnicourse` command group: thin wrappers around `course/` and the app.

One module per command or group: build, serve, run, db, users, i18n, mail, xapi, export, lti;
`check` is here.
"""

from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from app import create_app
from app.cli.build import build
from app.cli.db import db
from app.cli.export import export
from app.cli.i18n import i18n
from app.cli.lti import lti
from app.cli.mail import mail
from app.cli.run import run
from app.cli.serve import serve
from app.cli.users import users
from app.cli.xapi import xapi
from app.content import get_course
from course.audio import check_recordings
from course.quiz_lint import lint_course
from course.translation import check_catalogues


def _create_app():
    # A command loads the course only if it uses it (`users` and `db` never do).
    return create_app({"CONTENT_ON_DEMAND": True})


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """Omnicourse: serve, check and build the omnichannel course."""


@main.command()
@click.option(
    "--format", "output", type=click.Choice(["text", "json"]), default="text",
    help="json: one object per problem (file, line, message), for editors and CI.",
)  # fmt: skip
@click.option("--strict", is_flag=True, help="Fail on warnings too, not only on problems.")
@with_appcontext
def check(output: str, strict: bool) -> None:
    """Validate all content; list every problem as file:line: message.

    Warnings point at self-tests a learner could pass by test-taking tricks alone.
    """
    course = get_course()
    modules = sum(1 for by_slug in course.modules.values() for m in by_slug.values()
                  if not m.stale)  # fmt: skip
    errors = [*course.errors, *check_catalogues(current_app.config["TRANSLATIONS_DIR"])]
    errors += check_recordings(course)
    warnings = lint_course([m for by_slug in course.modules.values() for m in by_slug.values()])
    failed = bool(errors) or (strict and bool(warnings))
    if output == "json":
        problems = [{"file": str(e.path), "line": e.line, "message": e.message} for e in errors]
        cautions = [{"file": str(w.path), "line": w.line, "message": w.message} for w in warnings]
        report = {"problems": problems, "warnings": cautions, "modules": modules}
        click.echo(json.dumps(report, ensure_ascii=False))
        sys.exit(1 if failed else 0)
    for error in errors:
        click.echo(str(error), err=True)
    for warning in warnings:
        click.echo(str(warning), err=True)
    if warnings:
        click.echo(f"{len(warnings)} warning(s) about self-tests.", err=True)
    if failed and not errors:
        sys.exit(1)
    if errors:
        click.echo(f"{len(errors)} problem(s) found; {modules} module file(s) are fine.", err=True)
        sys.exit(1)
    click.echo(
        f"All content is valid: {modules} module file(s) in {len(course.locales)} locale(s)."
    )


for command in (build, serve, db, users, i18n, run, mail, xapi, export, lti):
    main.add_command(command)

__all__ = ["build", "check", "main"]
